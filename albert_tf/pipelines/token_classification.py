"""``token-classification`` (alias ``ner``), as HF 4.x's ``TokenClassificationPipeline`` with ALBERT's
default (fast) tokenizer: character offsets for every token, all five aggregation strategies, and
``stride`` to cover texts longer than the model takes.

Example:
    >>> from albert_tf import pipeline
    >>> ner = pipeline("ner", model="path/to/albert-ner", aggregation_strategy="simple")  # doctest: +SKIP
    >>> ner("My name is Sarah and I live in London")  # doctest: +SKIP
    [{'entity_group': 'PER', 'score': 0.99..., 'word': 'sarah', 'start': 10, 'end': 16}, ...]

Positions follow the fast tokenizer's offsets, which include the space before a word (``start`` 10 above
points at the space before "Sarah"); see :mod:`albert_tf.tokenization.alignment`.
"""

from __future__ import annotations

import warnings
from enum import Enum

import numpy as np

from albert_tf.tokenization.alignment import metaspace_decode, metaspace_offsets, overflow_windows
from albert_tf.pipelines.base import Pipeline, softmax


class AggregationStrategy(str, Enum):
    """How tokens are fused into entities (HF's names and semantics)."""

    NONE = "none"
    SIMPLE = "simple"
    FIRST = "first"
    AVERAGE = "average"
    MAX = "max"


def _strategy(value) -> AggregationStrategy:
    if isinstance(value, AggregationStrategy):
        return value
    try:
        return AggregationStrategy(str(value).lower())
    except ValueError:
        raise ValueError(f"aggregation_strategy must be one of {[s.value for s in AggregationStrategy]}, "
                         f"got {value!r}") from None


class TokenClassificationPipeline(Pipeline):
    """Per-token labels, or entities grouped from them.

    Call parameters: ``aggregation_strategy`` (``"none"``, ``"simple"``, ``"first"``, ``"average"``,
    ``"max"``), ``ignore_labels`` (default ``["O"]``), ``stride`` (split long texts into overlapping
    windows of the model's length instead of truncating; needs an aggregation other than ``"none"``),
    ``offset_mapping`` (your own character offsets per token, special tokens included),
    ``is_split_into_words`` (inputs are lists of words, joined with ``delimiter``, default ``" "``, for the
    positions; one list of words gives a one-element list of results, as in HF), and the deprecated
    ``grouped_entities`` / ``ignore_subwords``.

    Each entity is ``{"entity", "score", "index", "word", "start", "end"}`` without aggregation, else
    ``{"entity_group", "score", "word", "start", "end"}``.
    """

    task = "token-classification"
    supported_models = ("TFAlbertForTokenClassification",)
    _token_level_outputs = ("logits",)

    def _sanitize_parameters(self, ignore_labels=None, grouped_entities=None, ignore_subwords=None,
                             aggregation_strategy=None, stride=None, is_split_into_words=False, delimiter=None):
        preprocess_params, postprocess_params = {}, {}
        if is_split_into_words:
            preprocess_params["delimiter"] = " " if delimiter is None else str(delimiter)
        if grouped_entities is not None or ignore_subwords is not None:
            if grouped_entities and ignore_subwords:
                aggregation_strategy = AggregationStrategy.FIRST
            elif grouped_entities and not ignore_subwords:
                aggregation_strategy = AggregationStrategy.SIMPLE
            else:
                aggregation_strategy = AggregationStrategy.NONE
            warnings.warn(f"`grouped_entities` and `ignore_subwords` are deprecated; using "
                          f'aggregation_strategy="{aggregation_strategy.value}" instead.', UserWarning, stacklevel=3)
        if aggregation_strategy is not None:
            aggregation_strategy = _strategy(aggregation_strategy)
            postprocess_params["aggregation_strategy"] = aggregation_strategy
        if ignore_labels is not None:
            postprocess_params["ignore_labels"] = list(ignore_labels)
        if stride is not None:
            if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 0:
                raise ValueError(f"stride must be a non-negative integer, got {stride!r}")
            if self.max_length is not None and stride >= self.max_length - 2:
                raise ValueError(
                    f"`stride` ({stride}) must be less than the model's maximum length minus the 2 special tokens "
                    f"({self.max_length - 2})"
                )
            if aggregation_strategy == AggregationStrategy.NONE:
                raise ValueError(
                    '`stride` was provided to process all the text but `aggregation_strategy="none"`, please '
                    "select another one instead."
                )
            preprocess_params["stride"] = int(stride)
        return preprocess_params, postprocess_params

    def __call__(self, inputs, **kwargs):
        if isinstance(inputs, (list, tuple)) and len(inputs) == 0:
            raise ValueError("At least one input is required.")
        if kwargs.get("is_split_into_words") and isinstance(inputs, list) and not all(
                isinstance(words, list) for words in inputs):
            # HF: one list of words is a batch of one, and the result keeps that batch level.
            inputs = [inputs]
        offset_mapping = kwargs.pop("offset_mapping", None)
        if offset_mapping is not None:
            single = isinstance(inputs, str)
            if single and offset_mapping and isinstance(offset_mapping[0], tuple):
                offset_mapping = [offset_mapping]
            if len(offset_mapping) != (1 if single else len(inputs)):
                raise ValueError("offset_mapping should have the same batch size as the input")
            # Offsets travel with their sentence, so each input of a batch gets its own.
            inputs = ([(inputs, offset_mapping[0])] if single
                      else [(text, offsets) for text, offsets in zip(inputs, offset_mapping)])
            result = super().__call__(inputs, **kwargs)
            return result[0] if single else result
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        return super().__call__(inputs, **kwargs)

    def preprocess(self, item, stride=None, delimiter=None) -> list[dict]:
        user_offsets = None
        if isinstance(item, tuple):
            item, user_offsets = item
        if delimiter is not None:  # is_split_into_words
            if not isinstance(item, list) or not all(isinstance(word, str) for word in item):
                raise ValueError("When `is_split_into_words=True`, `sentence` must be a list of tokens.")
            sentence = delimiter.join(item)
            ids, offsets = self._encode_words(item, delimiter)
        else:
            if not isinstance(item, str):
                raise ValueError("When `is_split_into_words=False`, `sentence` must be an untokenized string.")
            sentence = item
            ids, offsets = self._encode_text(sentence)
        budget = (self.max_length - 2) if self.max_length is not None else len(ids)
        if stride is None or len(ids) <= budget:
            windows = [(0, min(len(ids), budget))]  # HF truncates to the model's length
        else:
            windows = overflow_windows(len(ids), budget, stride)
        features = []
        for start, end in windows:
            n = end - start
            feature = {
                "sentence": sentence,
                "input_ids": self.tokenizer.build_inputs_with_special_tokens(ids[start:end]),
                "token_type_ids": [0] * (n + 2),
                "special_tokens_mask": [1] + [0] * n + [1],
                "offset_mapping": [(0, 0)] + offsets[start:end] + [(0, 0)],
            }
            features.append(feature)
        if user_offsets is not None:
            if len(features) != 1 or len(user_offsets) != len(features[0]["input_ids"]):
                raise ValueError(
                    f"offset_mapping has {len(user_offsets)} entries, but the sentence encodes to "
                    f"{len(features[0]['input_ids'])} tokens (special tokens included) in {len(features)} window(s)"
                )
            features[0]["offset_mapping"] = [tuple(o) for o in user_offsets]
        return features

    def _encode_text(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        encoding = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids = list(encoding["input_ids"])
        pieces = self.tokenizer.convert_ids_to_tokens(ids)
        return ids, metaspace_offsets(text, pieces, encoding["offset_mapping"], self.tokenizer.all_special_tokens)

    def _encode_words(self, words: list[str], delimiter: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Pre-split words: each is tokenized on its own (so each starts a word), and its offsets are moved
        to where it sits in ``delimiter.join(words)``, as HF does."""
        ids, offsets, position = [], [], 0
        for word in words:
            word_ids, word_offsets = self._encode_text(word)
            ids.extend(word_ids)
            offsets.extend((start + position, end + position) for start, end in word_offsets)
            position += len(word) + len(delimiter)
        return ids, offsets

    def _select_outputs(self, output, input_ids):
        return {"logits": output["logits"]}

    def postprocess(self, item, features, outputs, aggregation_strategy=AggregationStrategy.NONE,
                    ignore_labels=None):
        sentence = features[0]["sentence"]
        if ignore_labels is None:
            ignore_labels = ["O"]
        all_entities = []
        for feature, output in zip(features, outputs):
            scores = softmax(output["logits"])
            pre_entities = self.gather_pre_entities(
                sentence, np.asarray(feature["input_ids"]), scores, feature["offset_mapping"],
                np.asarray(feature["special_tokens_mask"]), aggregation_strategy,
            )
            grouped = self.aggregate(pre_entities, aggregation_strategy)
            all_entities.extend(
                e for e in grouped
                if e.get("entity", None) not in ignore_labels and e.get("entity_group", None) not in ignore_labels
            )
        if len(features) > 1:
            all_entities = self.aggregate_overlapping_entities(all_entities)
        return [_plain(entity) for entity in all_entities]

    # The rest follows HF's TokenClassificationPipeline step by step, so the results are the same.
    def aggregate_overlapping_entities(self, entities: list[dict]) -> list[dict]:
        """Of entities overlapping across windows keep the longest (then the highest score)."""
        if not entities:
            return entities
        entities = sorted(entities, key=lambda x: x["start"])
        aggregated, previous = [], entities[0]
        for entity in entities:
            if previous["start"] <= entity["start"] < previous["end"]:
                current_length = entity["end"] - entity["start"]
                previous_length = previous["end"] - previous["start"]
                if current_length > previous_length or (
                    current_length == previous_length and entity["score"] > previous["score"]
                ):
                    previous = entity
            else:
                aggregated.append(previous)
                previous = entity
        aggregated.append(previous)
        return aggregated

    def gather_pre_entities(self, sentence, input_ids, scores, offset_mapping, special_tokens_mask,
                            aggregation_strategy) -> list[dict]:
        pre_entities = []
        unk_id = self.tokenizer.unk_token_id
        for idx, token_scores in enumerate(scores):
            if special_tokens_mask[idx]:
                continue
            word = self.tokenizer.convert_ids_to_tokens(int(input_ids[idx]))
            if offset_mapping is not None:
                start_ind, end_ind = (int(x) for x in offset_mapping[idx])
                word_ref = sentence[start_ind:end_ind]
                # SentencePiece has no word markers HF can read, so HF falls back to "no space around the
                # token start" to call a token a subword.
                is_subword = start_ind > 0 and " " not in sentence[start_ind - 1:start_ind + 1]
                if int(input_ids[idx]) == unk_id:
                    word = word_ref
                    is_subword = False
            else:
                start_ind = end_ind = None
                is_subword = False
            pre_entities.append({"word": word, "scores": token_scores, "start": start_ind, "end": end_ind,
                                 "index": idx, "is_subword": is_subword})
        return pre_entities

    def aggregate(self, pre_entities: list[dict], aggregation_strategy) -> list[dict]:
        id2label = self.model.config.id2label
        if aggregation_strategy in (AggregationStrategy.NONE, AggregationStrategy.SIMPLE):
            entities = []
            for pre_entity in pre_entities:
                entity_idx = int(pre_entity["scores"].argmax())
                entities.append({
                    "entity": id2label[entity_idx],
                    "score": pre_entity["scores"][entity_idx],
                    "index": pre_entity["index"],
                    "word": pre_entity["word"],
                    "start": pre_entity["start"],
                    "end": pre_entity["end"],
                })
        else:
            entities = self.aggregate_words(pre_entities, aggregation_strategy)
        if aggregation_strategy == AggregationStrategy.NONE:
            return entities
        return self.group_entities(entities)

    def aggregate_word(self, entities: list[dict], aggregation_strategy) -> dict:
        id2label = self.model.config.id2label
        word = metaspace_decode([entity["word"] for entity in entities])
        if aggregation_strategy == AggregationStrategy.FIRST:
            scores = entities[0]["scores"]
            idx = int(scores.argmax())
            score = scores[idx]
        elif aggregation_strategy == AggregationStrategy.MAX:
            max_entity = max(entities, key=lambda entity: entity["scores"].max())
            scores = max_entity["scores"]
            idx = int(scores.argmax())
            score = scores[idx]
        elif aggregation_strategy == AggregationStrategy.AVERAGE:
            average_scores = np.nanmean(np.stack([entity["scores"] for entity in entities]), axis=0)
            idx = int(average_scores.argmax())
            score = average_scores[idx]
        else:
            raise ValueError("Invalid aggregation_strategy")
        return {"entity": id2label[idx], "score": score, "word": word, "start": entities[0]["start"],
                "end": entities[-1]["end"]}

    def aggregate_words(self, entities: list[dict], aggregation_strategy) -> list[dict]:
        """Force one label per word: its tokens are fused by the FIRST / MAX / AVERAGE rule."""
        word_entities, word_group = [], None
        for entity in entities:
            if word_group is None:
                word_group = [entity]
            elif entity["is_subword"]:
                word_group.append(entity)
            else:
                word_entities.append(self.aggregate_word(word_group, aggregation_strategy))
                word_group = [entity]
        if word_group is not None:
            word_entities.append(self.aggregate_word(word_group, aggregation_strategy))
        return word_entities

    def group_sub_entities(self, entities: list[dict]) -> dict:
        entity = entities[0]["entity"].split("-", 1)[-1]
        scores = np.nanmean([e["score"] for e in entities])
        return {
            "entity_group": entity,
            "score": np.mean(scores),
            "word": metaspace_decode([e["word"] for e in entities]),
            "start": entities[0]["start"],
            "end": entities[-1]["end"],
        }

    @staticmethod
    def get_tag(entity_name: str) -> tuple[str, str]:
        if entity_name.startswith("B-"):
            return "B", entity_name[2:]
        if entity_name.startswith("I-"):
            return "I", entity_name[2:]
        return "I", entity_name  # not in B-/I- form: a continuation

    def group_entities(self, entities: list[dict]) -> list[dict]:
        """Group adjacent tokens (or words) with the same tag; a B- tag starts a new group."""
        entity_groups, current = [], []
        for entity in entities:
            if not current:
                current.append(entity)
                continue
            bi, tag = self.get_tag(entity["entity"])
            _, last_tag = self.get_tag(current[-1]["entity"])
            if tag == last_tag and bi != "B":
                current.append(entity)
            else:
                entity_groups.append(self.group_sub_entities(current))
                current = [entity]
        if current:
            entity_groups.append(self.group_sub_entities(current))
        return entity_groups


def _plain(entity: dict) -> dict:
    """numpy scalars -> Python numbers, so results print cleanly and serialize to JSON."""
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in entity.items()}

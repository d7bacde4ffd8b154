"""Token classification's Python rules, shared by ``pipeline("token-classification")`` and ``evaluate``: the
windows over a long text (``stride``), and HF 4.x's ``TokenClassificationPipeline`` post-processing step by step
(pre-entities, the five aggregation strategies, entity groups, the merge of overlapping windows), so both give
HF's entities. The export's in-graph version (:mod:`albert_tf.tasks.token_classification`) follows the same
rules in TensorFlow ops, and the tests hold all three to HF's pipeline.

Example:
    >>> import numpy as np
    >>> pre = [{"word": "\u2581ada", "scores": np.array([.1, .8, .1], np.float32), "start": 0, "end": 3,
    ...         "index": 1, "is_subword": False},
    ...        {"word": "\u2581lovelace", "scores": np.array([.1, .2, .7], np.float32), "start": 3, "end": 12,
    ...         "index": 2, "is_subword": False}]
    >>> rules = EntityRules(None, {0: "O", 1: "B-PER", 2: "I-PER"})
    >>> [plain(e) for e in rules.aggregate(pre, AggregationStrategy.FIRST)]
    [{'entity_group': 'PER', 'score': 0.75, 'word': 'adalovelace', 'start': 0, 'end': 12}]

The glued ``word`` is HF's: each word is decoded on its own (its leading ``\u2581`` dropped), then the
group's words are decoded again with nothing between them.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from albert_tf.tasks.base import softmax
from albert_tf.tokenization.alignment import metaspace_decode, metaspace_offsets, overflow_windows

__all__ = ["AggregationStrategy", "EntityRules", "as_strategy", "encode_text", "encode_words", "plain",
           "window_features"]


class AggregationStrategy(str, Enum):
    """How tokens are fused into entities (HF's names and semantics)."""

    NONE = "none"
    SIMPLE = "simple"
    FIRST = "first"
    AVERAGE = "average"
    MAX = "max"


def as_strategy(value) -> AggregationStrategy:
    if isinstance(value, AggregationStrategy):
        return value
    try:
        return AggregationStrategy(str(value).lower())
    except ValueError:
        raise ValueError(f"aggregation_strategy must be one of {[s.value for s in AggregationStrategy]}, "
                         f"got {value!r}") from None


def encode_text(tokenizer, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Ids of ``text`` without special tokens and the fast tokenizer's character offsets of each."""
    encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(encoding["input_ids"])
    pieces = tokenizer.convert_ids_to_tokens(ids)
    return ids, metaspace_offsets(text, pieces, encoding["offset_mapping"], tokenizer.all_special_tokens)


def encode_words(tokenizer, words: list[str], delimiter: str = " ") -> tuple[list[int], list[tuple[int, int]]]:
    """Pre-split words: each is tokenized on its own (so each starts a word), and its offsets are moved to
    where it sits in ``delimiter.join(words)``, as HF does with ``is_split_into_words``."""
    ids, offsets, position = [], [], 0
    for word in words:
        word_ids, word_offsets = encode_text(tokenizer, word)
        ids.extend(word_ids)
        offsets.extend((start + position, end + position) for start, end in word_offsets)
        position += len(word) + len(delimiter)
    return ids, offsets


def window_features(tokenizer, sentence: str, ids: list[int], offsets: list[tuple[int, int]],
                    max_length: int | None, stride: int | None) -> list[dict]:
    """One feature per window of ``max_length`` tokens (special tokens included) overlapping by ``stride``;
    one truncated window without ``stride``, as HF's pipeline."""
    budget = (max_length - 2) if max_length is not None else len(ids)
    if stride is None or len(ids) <= budget:
        windows = [(0, min(len(ids), budget))]
    else:
        windows = overflow_windows(len(ids), budget, stride)
    features = []
    for start, end in windows:
        n = end - start
        features.append({
            "sentence": sentence,
            "input_ids": tokenizer.build_inputs_with_special_tokens(ids[start:end]),
            "token_type_ids": [0] * (n + 2),
            "special_tokens_mask": [1] + [0] * n + [1],
            "offset_mapping": [(0, 0)] + list(offsets[start:end]) + [(0, 0)],
            "window": (start, end),  # the window's tokens in ``ids``
        })
    return features


class EntityRules:
    """HF's post-processing of token logits into entities, for a ``tokenizer`` (piece strings, the ``<unk>``
    id) and the model's ``id2label``; the method names are HF's, so HF subclasses port over. The pipeline
    mixes it in (its ``tokenizer`` and ``id2label`` come from the pipeline's own)."""

    def __init__(self, tokenizer, id2label: dict):
        self.tokenizer, self.id2label = tokenizer, id2label

    def entities(self, features: list[dict], outputs: list[dict], aggregation_strategy=None,
                 ignore_labels=None) -> list[dict]:
        """The entities of one text from its window ``features`` and each window's ``{"logits"}``."""
        aggregation_strategy = as_strategy(aggregation_strategy or AggregationStrategy.NONE)
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
        return [plain(entity) for entity in all_entities]

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
        id2label = self.id2label
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
        id2label = self.id2label
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


def plain(entity: dict) -> dict:
    """numpy scalars -> Python numbers, so results print cleanly and serialize to JSON."""
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in entity.items()}

"""Fine-tuning data for token classification (NER, chunking, POS): CoNLL files, word labels, decoding.

Format: one word a line, the word in the first column and its tag in the last (CoNLL-2003's four
columns work as is), a blank line between sentences, ``-DOCSTART-`` lines skipped.

Words are tokenized one at a time, as HF's slow tokenizers do with ``is_split_into_words=True`` and as
HF's ``run_ner`` aligns labels: the first piece of a word carries its tag, the other pieces and the
special tokens carry -100 (ignored by the loss). A prediction is read at the first piece of each word;
a word cut off by ``max_seq_length`` (or spelling no piece at all) is predicted ``O``.

Example:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.conll")
    >>> _ = open(path, "w").write("-DOCSTART- O\\n\\nAda B-PER\\nLovelace I-PER\\nwrote O\\n")
    >>> [(s.words, s.tags, s.line) for s in ConllWordLabels().read(path)]
    [(['Ada', 'Lovelace', 'wrote'], ['B-PER', 'I-PER', 'O'], 3)]
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Sequence

import numpy as np

from albert_tf.tasks.base import IGNORE_LABEL, Encoded, Settings
from albert_tf.tasks.data_files import DataFormatError, check_readable, open_text, require_examples

logger = logging.getLogger("albert_tf")

DOCSTART = "-DOCSTART-"


@dataclasses.dataclass
class SentenceExample:
    words: list[str]
    tags: list[str] | None
    line: int  # line of the first word
    word_lines: list[int]
    path: str = ""


def _tag_order(tag: str) -> tuple:
    # "O" first, then by entity type with B before I before E before S: stable, readable label ids.
    if tag == "O":
        return (0, "", "")
    prefix, _, kind = tag.partition("-")
    return (1, kind, prefix) if kind else (1, tag, "")


def _word_spans(words: list[str]) -> list[tuple[int, int]]:
    """Character ``(start, end)`` of each word in ``" ".join(words)``, the text the pipeline decoding reads."""
    spans, position = [], 0
    for word in words:
        spans.append((position, position + len(word)))
        position += len(word) + 1
    return spans


class ConllWordLabels:
    """The fine-tuning half of :class:`~albert_tf.tasks.token_classification.TokenClassificationTask`."""

    aliases = ("ner", "conll")
    label_pad_values = {"labels": IGNORE_LABEL}
    has_labels_in_config = True

    def read(self, path: str, *, require_labels: bool = True, regression: bool = False) -> list[SentenceExample]:
        path = check_readable(path)
        sentences: list[SentenceExample] = []
        words, tags, lines = [], [], []

        def close():
            if words:
                sentences.append(SentenceExample(list(words), list(tags) if require_labels else None, lines[0],
                                                 list(lines), path))
            words.clear(), tags.clear(), lines.clear()

        for number, raw in enumerate(open_text(path).splitlines(), start=1):
            fields = raw.split()
            if not fields:
                close()
                continue
            if fields[0] == DOCSTART:
                close()
                continue
            if require_labels and len(fields) < 2:
                raise DataFormatError(path, number, f"expected a word and its tag separated by whitespace, got {raw!r}")
            words.append(fields[0])
            tags.append(fields[-1] if len(fields) >= 2 else None)
            lines.append(number)
        close()
        return require_examples(path, sentences)

    # -- labels ------------------------------------------------------------------------------------
    def label_config(self, train_examples, base_config, num_labels):
        seen = {t for s in train_examples for t in s.tags}
        if base_config is not None and seen <= set(base_config.id2label.values()) and num_labels in (None, base_config.num_labels):
            id2label = dict(base_config.id2label)
        else:
            id2label = dict(enumerate(sorted(seen, key=_tag_order)))
        if num_labels is not None and num_labels != len(id2label):
            raise ValueError(f"num_labels={num_labels}, but the training data has {len(id2label)} tags: "
                             f"{sorted(seen, key=_tag_order)}")
        return {"id2label": id2label}

    def check_labels(self, examples, config) -> None:
        known = set(config.id2label.values())
        for s in examples:
            for tag, line in zip(s.tags or (), s.word_lines):
                if tag not in known:
                    raise DataFormatError(s.path, line, f"tag {tag!r} is not one of the model's tags {sorted(known)}")

    # -- features ----------------------------------------------------------------------------------
    def encode(self, examples: Sequence[SentenceExample], tokenizer, settings: Settings, config) -> Encoded:
        if examples[0].tags is not None:
            self.check_labels(examples, config)
        if settings.token_decoding == "pipeline":
            return self._encode_windows(examples, tokenizer, settings, config)
        label2id = {v: k for k, v in config.id2label.items()}
        room = settings.max_seq_length - 2
        rows, meta, truncated = [], [], 0
        for s in examples:
            ids, labels, first_piece = [], [], []
            for k, word in enumerate(s.words):
                piece_ids = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(word))
                if not piece_ids or len(ids) >= room:
                    first_piece.append(None)
                    truncated += bool(piece_ids)
                    continue
                piece_ids = piece_ids[: room - len(ids)]
                first_piece.append(len(ids) + 1)  # +1: [CLS]
                ids.extend(piece_ids)
                tag_id = label2id[s.tags[k]] if s.tags is not None else IGNORE_LABEL
                labels.extend([tag_id] + [IGNORE_LABEL] * (len(piece_ids) - 1))
            input_ids = tokenizer.build_inputs_with_special_tokens(ids)
            row = {"input_ids": input_ids, "attention_mask": [1] * len(input_ids),
                   "token_type_ids": [0] * len(input_ids)}
            if s.tags is not None:
                row["labels"] = [IGNORE_LABEL] + labels + [IGNORE_LABEL]
            rows.append(row)
            meta.append(first_piece)
        if truncated:
            logger.warning("%d word(s) did not fit in max_seq_length=%d and are predicted 'O'", truncated,
                           settings.max_seq_length)
        return Encoded(rows, meta)

    def _encode_windows(self, examples, tokenizer, settings: Settings, config) -> Encoded:
        """The pipeline's windows over each sentence's words joined by spaces, as a text (what a served model
        receives); labels at each word's first piece."""
        import bisect

        from albert_tf.tasks.entities import EntityRules, encode_text, window_features

        label2id = {v: k for k, v in config.id2label.items()}
        rows, meta = [], []
        for index, s in enumerate(examples):
            text = " ".join(s.words)
            ids, offsets = encode_text(tokenizer, text)
            word_starts = [start for start, _ in _word_spans(s.words)]
            # A token belongs to the word its last character is in (its offsets may include the space before).
            word_index = [bisect.bisect_right(word_starts, max(end - 1, start)) - 1 for start, end in offsets]
            first = [label2id[s.tags[w]] if s.tags is not None and (k == 0 or word_index[k - 1] != w)
                     else IGNORE_LABEL for k, w in enumerate(word_index)]
            for feature in window_features(tokenizer, text, ids, offsets, settings.max_seq_length,
                                           settings.token_stride):
                start, end = feature["window"]
                row = {"input_ids": feature["input_ids"], "attention_mask": [1] * len(feature["input_ids"]),
                       "token_type_ids": feature["token_type_ids"]}
                if s.tags is not None:
                    row["labels"] = [IGNORE_LABEL] + first[start:end] + [IGNORE_LABEL]
                rows.append(row)
                meta.append((index, feature))
        return Encoded(rows, meta, EntityRules(tokenizer, config.id2label))

    def decode(self, examples, encoded, outputs, settings, config):
        from albert_tf.finetuning import metrics

        fallback = "O" if "O" in config.id2label.values() else config.id2label[0]
        entity_tags = metrics.is_entity_tag_set(config.id2label.values())
        if settings.token_decoding == "pipeline":
            predictions = self._decode_windows(examples, encoded, outputs, settings, fallback, entity_tags)
            predicted = [p["prediction"] for p in predictions]
        else:
            predicted = []
            for logits, first_piece in zip(outputs["logits"], encoded.meta):
                best = np.argmax(logits, axis=-1)
                predicted.append([config.id2label[int(best[p])] if p is not None else fallback
                                  for p in first_piece])
            predictions = predicted
        gold = [s.tags for s in examples]
        result = metrics.token_classification_metrics(gold, predicted, with_entities=entity_tags)
        result["num_examples"] = len(examples)
        result["num_words"] = sum(len(s.words) for s in examples)
        return result, predictions

    @staticmethod
    def _decode_windows(examples, encoded, outputs, settings, fallback, entity_tags) -> list[dict]:
        windows: list[tuple[list, list]] = [([], []) for _ in examples]
        for (index, feature), logits in zip(encoded.meta, outputs["logits"]):
            windows[index][0].append(feature)
            windows[index][1].append({"logits": logits})
        predictions = []
        for s, (features, window_outputs) in zip(examples, windows):
            entities = encoded.context.entities(features, window_outputs, settings.aggregation_strategy)
            spans = _word_spans(s.words)
            tags = [fallback] * len(s.words)
            for entity in entities:
                covered = [k for k, (a, b) in enumerate(spans) if a < entity["end"] and entity["start"] < b]
                for j, k in enumerate(covered):
                    group = entity["entity_group"]
                    tags[k] = (("I-" if j else "B-") + group) if entity_tags else group
            predictions.append({"prediction": tags, "entities": entities})
        return predictions

    def primary_metric(self, config, examples):
        from albert_tf.finetuning import metrics

        return ("f1", True) if metrics.is_entity_tag_set(config.id2label.values()) else ("accuracy", True)

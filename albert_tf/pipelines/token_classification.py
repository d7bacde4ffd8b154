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

import numpy as np

from albert_tf.pipelines.base import Pipeline
from albert_tf.tasks.entities import (  # noqa: F401  (AggregationStrategy: this module's public name in HF)
    AggregationStrategy, EntityRules, as_strategy, encode_text, encode_words, window_features)


class TokenClassificationPipeline(Pipeline, EntityRules):
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
            aggregation_strategy = as_strategy(aggregation_strategy)
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
            ids, offsets = encode_words(self.tokenizer, item, delimiter)
        else:
            if not isinstance(item, str):
                raise ValueError("When `is_split_into_words=False`, `sentence` must be an untokenized string.")
            sentence = item
            ids, offsets = encode_text(self.tokenizer, sentence)
        features = window_features(self.tokenizer, sentence, ids, offsets, self.max_length, stride)
        if user_offsets is not None:
            if len(features) != 1 or len(user_offsets) != len(features[0]["input_ids"]):
                raise ValueError(
                    f"offset_mapping has {len(user_offsets)} entries, but the sentence encodes to "
                    f"{len(features[0]['input_ids'])} tokens (special tokens included) in {len(features)} window(s)"
                )
            features[0]["offset_mapping"] = [tuple(o) for o in user_offsets]
        return features

    @property
    def id2label(self) -> dict:
        return self.model.config.id2label

    def _select_outputs(self, output, input_ids):
        return {"logits": output["logits"]}

    def postprocess(self, item, features, outputs, aggregation_strategy=AggregationStrategy.NONE,
                    ignore_labels=None):
        return self.entities(features, outputs, aggregation_strategy, ignore_labels)

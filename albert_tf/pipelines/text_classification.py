"""``text-classification`` (alias ``sentiment-analysis``), as HF 4.x's ``TextClassificationPipeline``.

Example:
    >>> from albert_tf import pipeline
    >>> classifier = pipeline("sentiment-analysis", model="path/to/finetuned")  # doctest: +SKIP
    >>> classifier("A fine film.")  # doctest: +SKIP
    [{'label': 'fresh', 'score': 0.93...}]
    >>> classifier("A fine film.", top_k=None)  # doctest: +SKIP
    [{'label': 'fresh', 'score': 0.93...}, {'label': 'rotten', 'score': 0.06...}]
"""

from __future__ import annotations

import warnings

import numpy as np

from albert_tf.pipelines.base import Pipeline, softmax

_FUNCTIONS = ("sigmoid", "softmax", "none")
_NOT_GIVEN = object()


def sigmoid(outputs: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-outputs))


class TextClassificationPipeline(Pipeline):
    """Labels and scores of a text or a text pair (``{"text": ..., "text_pair": ...}``).

    Call parameters: ``top_k`` (``None``: every label, best first; an int: that many, as a list),
    ``function_to_apply`` (``"softmax"``, ``"sigmoid"``, ``"none"``; default: the config's problem type,
    else sigmoid for one label and softmax for several), the deprecated ``return_all_scores``, and any
    tokenizer argument (e.g. ``truncation=True``).

    Without ``top_k``, each input gives ``{"label", "score"}`` of the best label, and a single string gives
    a one-element list, exactly as HF does.
    """

    task = "text-classification"
    supported_models = ("TFAlbertForSequenceClassification",)

    def _sanitize_parameters(self, return_all_scores=None, function_to_apply=None, top_k=_NOT_GIVEN,
                             **tokenizer_kwargs):
        postprocess_params = {}
        if return_all_scores is None:
            return_all_scores = getattr(self.model.config, "return_all_scores", None)
        if top_k is None or (top_k is not _NOT_GIVEN and isinstance(top_k, (int, np.integer))
                             and not isinstance(top_k, bool)):
            if top_k is not None and top_k < 1:
                raise ValueError(f"top_k must be None or a positive integer, got {top_k!r}")
            postprocess_params["top_k"] = top_k
            postprocess_params["_legacy"] = False
        elif top_k is not _NOT_GIVEN:
            raise ValueError(f"top_k must be None or a positive integer, got {top_k!r}")
        elif return_all_scores is not None:
            warnings.warn("`return_all_scores` is deprecated: use top_k=None instead of return_all_scores=True, "
                          "or top_k=1 instead of return_all_scores=False.", UserWarning, stacklevel=3)
            postprocess_params["top_k"] = None if return_all_scores else 1
        if function_to_apply is not None:
            name = str(function_to_apply).lower()
            if name == "default":
                pass  # decided from the config in postprocess
            elif name not in _FUNCTIONS:
                raise ValueError(f"function_to_apply must be one of {_FUNCTIONS} (or 'default'), got "
                                 f"{function_to_apply!r}")
            else:
                postprocess_params["function_to_apply"] = name
        return {"tokenizer_kwargs": tokenizer_kwargs}, postprocess_params

    def __call__(self, inputs, **kwargs):
        result = super().__call__(inputs, **kwargs)
        # HF: a bare string without top_k at call time gives a list around its result.
        if isinstance(inputs, str) and "top_k" not in kwargs:
            return [result]
        return result

    def preprocess(self, item, tokenizer_kwargs=None) -> list[dict]:
        tokenizer_kwargs = tokenizer_kwargs or {}
        if isinstance(item, dict):
            unknown = set(item) - {"text", "text_pair"}
            if "text" not in item or unknown:
                raise ValueError('a text pair is a dict with keys "text" and (optionally) "text_pair"; got keys '
                                 f"{sorted(item)}")
            encoding = self._tokenize(item["text"], item.get("text_pair"), **tokenizer_kwargs)
        elif (isinstance(item, list) and len(item) == 1 and isinstance(item[0], list) and len(item[0]) == 2):
            # HF keeps this old form of a pair: [[text, text_pair]].
            encoding = self._tokenize(item[0][0], item[0][1], **tokenizer_kwargs)
        elif isinstance(item, list):
            raise ValueError(
                "The pipeline received invalid inputs, if you are trying to send text pairs, you can try to send a"
                ' dictionary `{"text": "My text", "text_pair": "My pair"}` in order to send a text pair.'
            )
        elif isinstance(item, str):
            encoding = self._tokenize(item, **tokenizer_kwargs)
        else:
            raise TypeError(f"text-classification takes strings or text-pair dicts, got {type(item).__name__}")
        self._check_length(encoding["input_ids"], "pass truncation=True to cut it")
        return [encoding]

    def _select_outputs(self, output, input_ids):
        return {"logits": output["logits"]}

    def postprocess(self, item, features, outputs, function_to_apply=None, top_k=1, _legacy=True):
        config = self.model.config
        problem_type = getattr(config, "problem_type", None)
        if function_to_apply is None:
            if problem_type == "regression":
                function_to_apply = "none"
            elif problem_type == "multi_label_classification" or config.num_labels == 1:
                function_to_apply = "sigmoid"
            elif problem_type == "single_label_classification" or config.num_labels > 1:
                function_to_apply = "softmax"
            else:
                function_to_apply = getattr(config, "function_to_apply", None) or "none"
        logits = outputs[0]["logits"]
        if function_to_apply == "sigmoid":
            scores = sigmoid(logits)
        elif function_to_apply == "softmax":
            scores = softmax(logits)
        else:
            scores = logits
        if top_k == 1 and _legacy:
            return {"label": config.id2label[int(scores.argmax())], "score": scores.max().item()}
        dict_scores = [{"label": config.id2label[i], "score": score.item()} for i, score in enumerate(scores)]
        if not _legacy:
            dict_scores.sort(key=lambda x: x["score"], reverse=True)
            if top_k is not None:
                dict_scores = dict_scores[:top_k]
        return dict_scores

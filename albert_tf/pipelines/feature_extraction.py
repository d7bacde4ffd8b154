"""``feature-extraction``: the model's first output (``last_hidden_state`` for ``TFAlbertModel``) per
input, as HF 4.x's ``FeatureExtractionPipeline``: nested lists shaped ``[1, sequence, hidden]``.

Example:
    >>> from albert_tf import pipeline
    >>> extractor = pipeline("feature-extraction", model="path/to/albert-base-v2")  # doctest: +SKIP
    >>> features = extractor("Replace me by any text you'd like.")  # doctest: +SKIP
    >>> len(features), len(features[0][0])  # doctest: +SKIP
    (1, 768)
"""

from __future__ import annotations

from albert_tf.pipelines.base import Pipeline


class FeatureExtractionPipeline(Pipeline):
    """Hidden states of each input.

    Call parameters: ``truncation`` (cut inputs longer than the model takes), ``tokenize_kwargs`` (other
    tokenizer arguments), ``return_tensors`` (``True``: a tensor of the Keras backend, ``tf.Tensor`` /
    ``jax.Array`` / ``torch.Tensor``, ``[1, seq, hidden]`` instead of lists).
    """

    task = "feature-extraction"

    def _sanitize_parameters(self, truncation=None, tokenize_kwargs=None, return_tensors=None):
        tokenize_kwargs = dict(tokenize_kwargs or {})
        if truncation is not None:
            if "truncation" in tokenize_kwargs:
                raise ValueError(
                    "truncation parameter defined twice (given as keyword argument as well as in tokenize_kwargs)"
                )
            tokenize_kwargs["truncation"] = truncation
        postprocess_params = {}
        if return_tensors is not None:
            postprocess_params["return_tensors"] = return_tensors
        return {"tokenize_kwargs": tokenize_kwargs}, postprocess_params

    def preprocess(self, text, tokenize_kwargs=None) -> list[dict]:
        if not isinstance(text, str):
            raise TypeError(f"feature-extraction takes a string or a list of strings, got {type(text).__name__}")
        encoding = self._tokenize(text, **(tokenize_kwargs or {}))
        self._check_length(encoding["input_ids"], "pass truncation=True to cut it")
        return [encoding]

    def _select_outputs(self, output, input_ids):
        return {"features": output[0]}  # HF: the first output present, whatever the model

    def _split_outputs(self, outputs, lengths):
        values = outputs["features"]
        per_token = values.ndim == 3  # [batch, seq, hidden]; a head's logits [batch, labels] are not cut
        return [{"features": values[row, :length] if per_token else values[row]}
                for row, length in enumerate(lengths)]

    def postprocess(self, text, features, outputs, return_tensors=False):
        values = outputs[0]["features"][None]
        if return_tensors:
            import keras

            return keras.ops.convert_to_tensor(values)  # the backend's tensor, as HF gives its framework's
        return values.tolist()

"""``fill-mask``: the most likely tokens for each ``[MASK]``, as HF 4.x's ``FillMaskPipeline``.

Example:
    >>> from albert_tf import pipeline
    >>> unmasker = pipeline("fill-mask", model="path/to/albert-base-v2")  # doctest: +SKIP
    >>> unmasker("Hello I'm a [MASK] model.")  # doctest: +SKIP
    [{'score': 0.07..., 'token': 1435, 'token_str': 'modeling', 'sequence': "hello i'm a modeling model."}, ...]
"""

from __future__ import annotations

import logging

import numpy as np

from albert_tf.pipelines.base import Pipeline, PipelineException, _positive_int

logger = logging.getLogger(__name__)


class FillMaskPipeline(Pipeline):
    """Predicts the token behind each mask.

    Call parameters: ``top_k`` (default 5), ``targets`` (restrict the candidates to these tokens; a
    target that is not a vocabulary piece is tokenized and its first piece used), ``tokenizer_kwargs``
    (e.g. ``{"truncation": True}`` for inputs longer than the model takes). An input may also be a
    pair ``{"text": ..., "text_pair": ...}`` (beyond HF: the two segments the pre-training head reads).

    Returns, per input, a list of ``{"score", "token", "token_str", "sequence"}`` dicts, best first; with
    several masks, one such list per mask (and ``sequence`` keeps the special tokens, as in HF).
    """

    task = "fill-mask"
    supported_models = ("TFAlbertForMaskedLM", "TFAlbertForPreTraining")

    def _sanitize_parameters(self, top_k=None, targets=None, tokenizer_kwargs=None):
        preprocess_params, postprocess_params = {}, {}
        if tokenizer_kwargs is not None:
            preprocess_params["tokenizer_kwargs"] = dict(tokenizer_kwargs)
        if targets is not None:
            postprocess_params["target_ids"] = self._target_ids(targets)
        if top_k is not None:
            postprocess_params["top_k"] = _positive_int(top_k, "top_k")
        return preprocess_params, postprocess_params

    def __call__(self, inputs, **kwargs):
        outputs = super().__call__(inputs, **kwargs)
        if isinstance(inputs, list) and len(inputs) == 1:
            return outputs[0]  # HF unwraps a one-element list
        return outputs

    def _target_ids(self, targets) -> np.ndarray:
        if isinstance(targets, str):
            targets = [targets]
        vocab = self.tokenizer.get_vocab()
        ids = []
        for target in targets:
            token_id = vocab.get(target)
            if token_id is None:
                pieces = self.tokenizer(target, add_special_tokens=False, return_attention_mask=False,
                                        return_token_type_ids=False, max_length=1, truncation=True)["input_ids"]
                if not pieces:
                    logger.warning("The target %r does not exist in the model vocabulary; ignoring it", target)
                    continue
                token_id = pieces[0]
                logger.warning("The target %r is not in the model vocabulary; using %r instead", target,
                               self.tokenizer.convert_ids_to_tokens(token_id))
            ids.append(int(token_id))
        if not ids:
            raise ValueError("At least one target must be provided when passed.")
        return np.array(sorted(set(ids)))

    def preprocess(self, text, tokenizer_kwargs=None) -> list[dict]:
        pair = None
        if isinstance(text, dict) and "text" in text and set(text) <= {"text", "text_pair"}:
            text, pair = text["text"], text.get("text_pair")
        if not isinstance(text, str) or not isinstance(pair, (str, type(None))):
            raise TypeError(f"fill-mask takes a string, a {{'text', 'text_pair'}} dict or a list of them, got "
                            f"{type(text).__name__}")
        encoding = self._tokenize(text, pair, **(tokenizer_kwargs or {}))
        if self.tokenizer.mask_token_id not in encoding["input_ids"]:
            raise PipelineException(
                self.task, type(self.model).__name__,
                f"No mask_token ({self.tokenizer.mask_token}) found on the input",
            )
        self._check_length(encoding["input_ids"], "pass tokenizer_kwargs={'truncation': True} to cut it")
        return [encoding]

    def _select_outputs(self, output, input_ids):
        # Only the masked positions leave the model's device: [num_masks_in_batch, vocab] and their rows.
        logits = output["logits"] if "logits" in output else output["prediction_logits"]
        mask_id = self.tokenizer.mask_token_id
        if isinstance(input_ids, np.ndarray):  # JAX / torch: the ids are on the host, the logits on the device
            import keras

            rows, cols = np.nonzero(input_ids == mask_id)
            flat = keras.ops.reshape(logits, (-1, logits.shape[-1]))
            return {"mask_logits": keras.ops.take(flat, rows * input_ids.shape[1] + cols, axis=0), "mask_rows": rows}
        import tensorflow as tf  # inside the traced graph

        where = tf.where(tf.equal(input_ids, mask_id))
        return {"mask_logits": tf.gather_nd(logits, where), "mask_rows": where[:, 0]}

    def _split_outputs(self, outputs, lengths):
        rows = outputs["mask_rows"]
        return [{"mask_logits": outputs["mask_logits"][rows == row]} for row in range(len(lengths))]

    def postprocess(self, text, features, outputs, top_k=5, target_ids=None):
        input_ids = np.asarray(features[0]["input_ids"])
        masked_index = np.nonzero(input_ids == self.tokenizer.mask_token_id)[0]
        probs = _stable_softmax(outputs[0]["mask_logits"])
        if target_ids is not None:
            probs = probs[:, target_ids]
            top_k = min(top_k, len(target_ids))
        top_k = min(top_k, probs.shape[-1])
        # Stable sort: equal scores keep vocabulary order, as tf.math.top_k does.
        predictions = np.argsort(-probs, axis=-1, kind="stable")[:, :top_k]
        values = np.take_along_axis(probs, predictions, axis=-1)
        single_mask = values.shape[0] == 1
        result = []
        for i, (row_values, row_predictions) in enumerate(zip(values.tolist(), predictions.tolist())):
            row = []
            for score, token in zip(row_values, row_predictions):
                if target_ids is not None:
                    token = int(target_ids[token])
                tokens = input_ids.copy()
                tokens[masked_index[i]] = token
                tokens = tokens[tokens != self.tokenizer.pad_token_id]
                # HF drops special tokens only with one mask; with several the other masks would vanish.
                sequence = self.tokenizer.decode(tokens.tolist(), skip_special_tokens=single_mask)
                row.append({"score": score, "token": token, "token_str": self.tokenizer.decode([token]),
                            "sequence": sequence})
            result.append(row)
        return result[0] if single_mask else result


def _stable_softmax(logits: np.ndarray) -> np.ndarray:
    # HF's TF fill-mask adds 1e-9 to the logits before the softmax (its `stable_softmax`).
    shifted = logits + np.float32(1e-9)
    exp = np.exp(shifted - shifted.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)

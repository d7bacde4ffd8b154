"""Fill-mask heads: ``TFAlbertForMaskedLM`` (export task ``masked_lm``) and ``TFAlbertForPreTraining``
(``pretraining``: the same predictions plus the sentence-order probability of a text pair).

The graph finds each row's ``[MASK]`` tokens and passes their positions to the model (``mask_positions``),
which runs the vocabulary projection there only; the ``top_k`` predictions per mask come with HF
fill-mask's ``token_str``. A row without ``[MASK]`` has only -1 positions and no predictions, so it
cannot fail the other rows of a batch.

Example:
    >>> from albert_tf.tasks import get_task
    >>> [t.name for t in get_task("pretraining").outputs()][-1], get_task("masked_lm").masked
    ('sop_probability', True)
"""

from __future__ import annotations

from albert_tf.tasks.base import ServingGraph, Task
from albert_tf.tasks.spec import TEXT, TEXT_PAIR, tensor

_FILL_MASK = (
    tensor("top_k_tokens", "string", "BMK", "decoded token of each prediction per [MASK] (HF fill-mask's "
           "token_str); '' in padding slots"),
    tensor("top_k_ids", "int32", "BMK", "token id of each prediction; -1 in padding slots"),
    tensor("top_k_scores", "float32", "BMK", "softmax probability over the vocabulary; 0 in padding slots"),
    tensor("mask_positions", "int32", "BM", "token index of each [MASK] in the row, in order; -1 pads rows "
           "with fewer masks"),
)
_SOP = tensor("sop_probability", "float32", "B", "probability that text_pair follows text in the original "
              "order (sentence-order prediction, label 0)")


class MaskedLMTask(Task):
    name = "masked_lm"
    model_class = "TFAlbertForMaskedLM"
    masked = True
    sentence_order = False

    def outputs(self, *, regression=False, text=True, options=None):
        return _FILL_MASK + ((_SOP,) if self.sentence_order else ())

    def serving_graph(self, model, tokenizer, options):
        return _FillMaskGraph(self, model, tokenizer, options)


class PretrainingTask(MaskedLMTask):
    name = "pretraining"
    model_class = "TFAlbertForPreTraining"
    sentence_order = True

    def text_inputs(self, text_pair=False):  # sentence-order prediction needs two segments
        return (TEXT, TEXT_PAIR)


class _FillMaskGraph(ServingGraph):
    def __init__(self, task, model, tokenizer, options):
        import tensorflow as tf

        super().__init__(task, model, tokenizer, options)
        self.mask_id = tokenizer.mask_token_id
        # HF's fill-mask reports token_str = tokenizer.decode([id]).
        self.token_strings = tf.constant([tokenizer.decode([i]) for i in range(tokenizer.vocab_size)])

    def prepare(self, features):
        """Adds [B, M] positions of each row's [MASK] tokens, -1 padded; a row without [MASK] has only -1s
        (and so no predictions): no error, so that it cannot fail other rows of a batch."""
        from albert_tf.export import graph_ops

        positions = graph_ops.mask_positions(features["input_ids"], features["attention_mask"], self.mask_id)
        return dict(features, mask_positions=positions)

    def forward(self, features, run):
        import tensorflow as tf

        from albert_tf.export import graph_ops

        sentence_order = self.task.sentence_order

        def fill_mask(f):
            out = self.call(f, mask_positions=f["mask_positions"])
            logits = out.prediction_logits if sentence_order else out.logits
            scores, top_ids = graph_ops.top_k_predictions(logits, self.options.top_k)
            result = {"top_k_scores": scores, "top_k_ids": top_ids}
            if sentence_order:
                result["sop_logits"] = tf.cast(out.sop_logits, tf.float32)
            return result

        outputs = {"top_k_scores": (tf.float32, False), "top_k_ids": (tf.int32, False)}
        if sentence_order:
            outputs["sop_logits"] = (tf.float32, False)
        ids = {k: v for k, v in features.items() if k != "mask_positions"}
        return run(fill_mask, ids, {"mask_positions": features["mask_positions"]}, outputs)

    def outputs(self, raw, features, strings):
        import tensorflow as tf

        positions = features["mask_positions"]
        valid = (positions >= 0)[..., tf.newaxis]
        top_ids = tf.where(valid, raw["top_k_ids"], -1)
        out = {
            "top_k_ids": top_ids,
            "top_k_tokens": tf.where(valid, tf.gather(self.token_strings, tf.maximum(top_ids, 0)), ""),
            "top_k_scores": tf.where(valid, raw["top_k_scores"], 0.0),
            "mask_positions": positions,
        }
        if self.task.sentence_order:
            out["sop_probability"] = tf.nn.softmax(raw["sop_logits"], axis=-1)[:, 0]
        return out

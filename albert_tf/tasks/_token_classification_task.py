"""Token classification: ``TFAlbertForTokenClassification``, a label per token with its character offsets.

Example:
    >>> from albert_tf.tasks import get_task
    >>> [t.name for t in get_task("token_classification").outputs(text=True)]
    ['labels', 'label_ids', 'scores', 'offsets']
"""

from __future__ import annotations

from albert_tf.tasks.base import ServingGraph, Task
from albert_tf.tasks.spec import tensor

_TOKEN_IDS = (
    tensor("labels", "string", "BL", "config.id2label of each token's argmax; '' at [CLS]/[SEP]/padding"),
    tensor("label_ids", "int32", "BL", "argmax label id of each token; -1 at [CLS]/[SEP]/padding"),
    tensor("scores", "float32", "BL", "softmax probability of the chosen label; 0 at [CLS]/[SEP]/padding"),
)
_TOKEN_TEXT = _TOKEN_IDS + (
    tensor("offsets", "int32", "BL2", "(start, end) of each token in characters of text; (0, 0) at "
           "[CLS]/[SEP]/padding"),
)


class TokenClassificationTask(Task):
    name = "token_classification"
    model_class = "TFAlbertForTokenClassification"
    offsets = True
    special_tokens_mask = True

    def outputs(self, *, regression=False, text=True, options=None):
        return _TOKEN_TEXT if text else _TOKEN_IDS

    def serving_graph(self, model, tokenizer, options):
        return _TokenLabelsGraph(self, model, tokenizer, options)


class _TokenLabelsGraph(ServingGraph):
    def __init__(self, task, model, tokenizer, options):
        super().__init__(task, model, tokenizer, options)
        self.labels = self.label_table()
        self.cls_id, self.sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id

    def forward(self, features, run):
        import tensorflow as tf

        return run(lambda f: {"logits": self.call(f).logits}, features, {}, {"logits": (tf.float32, True)})

    def outputs(self, raw, features, strings):
        import tensorflow as tf

        ids, mask = features["input_ids"], features["attention_mask"]
        if strings is not None:
            real = (mask > 0) & (features["special_tokens_mask"] == 0)
        else:
            real = (mask > 0) & (ids != self.cls_id) & (ids != self.sep_id)
        label_ids = tf.argmax(raw["logits"], axis=-1, output_type=tf.int32)
        scores = tf.reduce_max(tf.nn.softmax(raw["logits"], axis=-1), axis=-1)
        out = {"labels": tf.where(real, tf.gather(self.labels, label_ids), ""),
               "label_ids": tf.where(real, label_ids, -1),
               "scores": tf.where(real, scores, 0.0)}
        if strings is not None:
            out["offsets"] = tf.where(real[..., tf.newaxis], features["offsets"], 0)
        return out

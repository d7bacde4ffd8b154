"""Sequence classification (and regression, ``num_labels == 1``): ``TFAlbertForSequenceClassification``.

Outputs the logits, softmax probabilities, argmax id and its ``id2label`` name per row, or the regression
score; besides ``serving_default`` the export has TF Serving's Classify (or Regress) signature over
serialized ``tf.Example`` protos.

Example:
    >>> from albert_tf.tasks import get_task
    >>> task = get_task("sequence_classification")
    >>> [t.name for t in task.outputs(regression=True)], sorted(task.extra_signatures(regression=False))
    (['score'], ['classify'])
"""

from __future__ import annotations

from albert_tf.tasks.base import ServingGraph, Task
from albert_tf.tasks.spec import EXAMPLES, SignatureSpec, tensor

CLASSIFY = "classify"
REGRESS = "regress"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"

_CLASSIFIER = (
    tensor("logits", "float32", "BC", "raw classifier scores"),
    tensor("probabilities", "float32", "BC", "softmax of logits"),
    tensor("label_id", "int32", "B", "argmax class id"),
    tensor("label", "string", "B", "config.id2label[label_id]"),
)
_REGRESSOR = (tensor("score", "float32", "B", "regression output (num_labels == 1)"),)
_CLASSIFY = (
    tensor("classes", "string", "BC", "config.id2label, in id order, for every example"),
    tensor("scores", "float32", "BC", "probability of each class"),
)
_REGRESS = (tensor("outputs", "float32", "B", "regression output"),)


class SequenceClassificationTask(Task):
    name = "sequence_classification"
    model_class = "TFAlbertForSequenceClassification"
    accepts_text_pair = True

    def outputs(self, *, regression=False, text=True, options=None):
        return _REGRESSOR if regression else _CLASSIFIER

    def extra_signatures(self, regression):
        if regression:
            return {REGRESS: SignatureSpec(REGRESS, REGRESS_METHOD, (EXAMPLES,), _REGRESS, "TF Serving Regress API")}
        return {CLASSIFY: SignatureSpec(CLASSIFY, CLASSIFY_METHOD, (EXAMPLES,), _CLASSIFY, "TF Serving Classify API")}

    def is_regression(self, num_labels):
        return num_labels == 1

    def serving_graph(self, model, tokenizer, options):
        return _ClassifierGraph(self, model, tokenizer, options)


class _ClassifierGraph(ServingGraph):
    def __init__(self, task, model, tokenizer, options):
        super().__init__(task, model, tokenizer, options)
        self.regression = task.is_regression(self.config.num_labels)
        self.labels = self.label_table()

    def forward(self, features, run):
        import tensorflow as tf

        return run(lambda f: {"logits": self.call(f).logits}, features, {}, {"logits": (tf.float32, False)})

    def outputs(self, raw, features, strings):
        import tensorflow as tf

        if self.regression:
            return {"score": raw["logits"][:, 0]}
        label_id = tf.argmax(raw["logits"], axis=-1, output_type=tf.int32)
        return {"logits": raw["logits"], "probabilities": tf.nn.softmax(raw["logits"], axis=-1),
                "label_id": label_id, "label": tf.gather(self.labels, label_id)}

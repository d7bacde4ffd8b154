"""The bare encoder (export task ``base``): ``TFAlbertModel``'s pooled output and last hidden states.

Example:
    >>> from albert_tf.tasks import get_task
    >>> [t.name for t in get_task("base").outputs()]
    ['pooled_output', 'sequence_output', 'attention_mask']
"""

from __future__ import annotations

from albert_tf.tasks.base import ServingGraph, Task
from albert_tf.tasks.spec import tensor

_OUTPUTS = (
    tensor("pooled_output", "float32", "BH", "tanh(dense([CLS] hidden state))"),
    tensor("sequence_output", "float32", "BLH", "last hidden states; zeros at padding positions"),
    tensor("attention_mask", "int32", "BL", "1 for real tokens, 0 for padding"),
)


class FeatureExtractionTask(Task):
    name = "base"
    model_class = "TFAlbertModel"

    def outputs(self, *, regression=False, text=True, options=None):
        return _OUTPUTS

    def serving_graph(self, model, tokenizer, options):
        return _EncoderGraph(self, model, tokenizer, options)


class _EncoderGraph(ServingGraph):
    def forward(self, features, run):
        import tensorflow as tf

        def encoder(f):
            out = self.call(f)
            # float32 outputs whatever the model's dtype policy (the table's dtype; mixed precision computes
            # hidden states in float16/bfloat16).
            return {"sequence_output": tf.cast(out.last_hidden_state, tf.float32),
                    "pooled_output": tf.cast(out.pooler_output, tf.float32)}

        return run(encoder, features, {}, {"sequence_output": (tf.float32, True), "pooled_output": (tf.float32, False)})

    def outputs(self, raw, features, strings):
        import tensorflow as tf

        mask = features["attention_mask"]
        return {"pooled_output": raw["pooled_output"],
                "sequence_output": raw["sequence_output"] * tf.cast(mask, tf.float32)[..., tf.newaxis],
                "attention_mask": mask}

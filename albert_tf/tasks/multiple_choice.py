"""Multiple choice: ``TFAlbertForMultipleChoice`` scores each (question, choice) pair; ``[B, N, L]`` inputs.

The export flattens the ``B * N`` pairs into rows, so that the length-sorted sub-batches pad each pair only
to its own chunk's longest, and reshapes the scores back to ``[B, N]``.

Example:
    >>> from albert_tf.tasks import get_task
    >>> task = get_task("multiple_choice")
    >>> [t.name for t in task.text_inputs()], task.rank3
    (['question', 'choices'], True)
"""

from __future__ import annotations

import numpy as np

from albert_tf.tasks.base import IDS_KEYS, ServingGraph, Task, as_str_list
from albert_tf.tasks.spec import CHOICES, QUESTION, tensor

_OUTPUTS = (
    tensor("logits", "float32", "BN", "score per choice"),
    tensor("probabilities", "float32", "BN", "softmax over the choices"),
    tensor("choice", "int32", "B", "index of the best choice"),
)


class MultipleChoiceTask(Task):
    name = "multiple_choice"
    model_class = "TFAlbertForMultipleChoice"
    rank3 = True

    def text_inputs(self, text_pair=False):
        return (QUESTION, CHOICES)

    def outputs(self, *, regression=False, text=True, options=None):
        return _OUTPUTS

    def encode_texts(self, tokenizer, text_inputs, max_length):
        """Question and each of its choices, flattened to ``B * N`` pairs, then ``[B, N, L]``."""
        choices = np.asarray(text_inputs["choices"], dtype=object)
        batch, num_choices = choices.shape
        questions = np.repeat(np.asarray(as_str_list(text_inputs["question"]), dtype=object), num_choices)
        enc = tokenizer(list(questions), as_str_list(choices), padding=True, truncation=True,
                        max_length=max_length, return_tensors="np")
        return {k: np.asarray(enc[k], np.int32).reshape(batch, num_choices, -1) for k in IDS_KEYS}

    def serving_graph(self, model, tokenizer, options):
        return _MultipleChoiceGraph(self, model, tokenizer, options)


class _MultipleChoiceGraph(ServingGraph):
    def forward(self, features, run):
        import tensorflow as tf

        shape = tf.shape(features["input_ids"])
        flat = {k: tf.reshape(v, [-1, shape[2]]) for k, v in features.items()}

        def choice_logits(f):  # each flattened row is one (question, choice) of a 1-choice batch
            return {"logits": self.call({k: v[:, tf.newaxis, :] for k, v in f.items()}).logits[:, 0]}

        raw = run(choice_logits, flat, {}, {"logits": (tf.float32, False)})
        return {"logits": tf.reshape(raw["logits"], shape[:2])}

    def outputs(self, raw, features, strings):
        import tensorflow as tf

        return {"logits": raw["logits"], "probabilities": tf.nn.softmax(raw["logits"], axis=-1),
                "choice": tf.argmax(raw["logits"], axis=-1, output_type=tf.int32)}

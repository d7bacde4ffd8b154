"""Fine-tuning ALBERT on your own data: classification, token classification, SQuAD and multiple choice.

Example:
    >>> from albert_tf.finetuning import finetune, evaluate, train_dev_split, TASKS
    >>> TASKS
    ('sequence_classification', 'token_classification', 'question_answering', 'multiple_choice')

See :func:`finetune` and :func:`evaluate` (and ``albert-tf finetune --help``).
"""

import functools

from albert_tf.finetuning.errors import DataFormatError
from albert_tf.finetuning.split import train_dev_split
from albert_tf.finetuning.trainer import evaluate, finetune, keras_policy
from albert_tf.tasks import FINETUNING_TASKS as TASKS
from albert_tf.tasks import get_task as _get_task

# The fine-tunable heads by name or alias (``ner``, ``squad``, ``mc``); the tasks live in albert_tf.tasks.
get_task = functools.partial(_get_task, fine_tuning=True)

__all__ = ["DataFormatError", "TASKS", "evaluate", "finetune", "get_task", "keras_policy", "train_dev_split"]

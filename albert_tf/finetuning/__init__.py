"""Fine-tuning ALBERT on your own data: classification, token classification, SQuAD and multiple choice.

Example:
    >>> from albert_tf.finetuning import finetune, evaluate, train_dev_split, TASKS
    >>> TASKS
    ('sequence_classification', 'token_classification', 'question_answering', 'multiple_choice')

See :func:`finetune` and :func:`evaluate` (and ``albert-tf finetune --help``).
"""

from albert_tf.finetuning.errors import DataFormatError
from albert_tf.finetuning.split import train_dev_split
from albert_tf.finetuning.tasks import TASKS, get_task
from albert_tf.finetuning.trainer import evaluate, finetune, keras_policy

__all__ = ["DataFormatError", "TASKS", "evaluate", "finetune", "get_task", "keras_policy", "train_dev_split"]

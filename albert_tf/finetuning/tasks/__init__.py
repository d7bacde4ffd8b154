"""The fine-tuning tasks by name.

Example:
    >>> get_task("ner").name
    'token_classification'
"""

from __future__ import annotations

from albert_tf.finetuning.tasks.base import Encoded, Settings, Task
from albert_tf.finetuning.tasks.classification import SequenceClassificationTask
from albert_tf.finetuning.tasks.multiple_choice import MultipleChoiceTask
from albert_tf.finetuning.tasks.question_answering import QuestionAnsweringTask
from albert_tf.finetuning.tasks.token_classification import TokenClassificationTask

_TASKS = (SequenceClassificationTask(), TokenClassificationTask(), QuestionAnsweringTask(), MultipleChoiceTask())
TASKS = tuple(t.name for t in _TASKS)


def get_task(name: str | Task) -> Task:
    """The task called ``name`` (its canonical name or an alias such as ``ner``, ``squad``, ``mc``)."""
    if isinstance(name, Task):
        return name
    key = str(name).strip().lower().replace("-", "_")
    for task in _TASKS:
        if key == task.name or key in task.aliases:
            return task
    known = ", ".join(f"{t.name} ({', '.join(t.aliases)})" for t in _TASKS)
    raise ValueError(f"unknown task {name!r}; tasks (aliases): {known}")


__all__ = ["Encoded", "Settings", "Task", "TASKS", "get_task", "SequenceClassificationTask",
           "TokenClassificationTask", "QuestionAnsweringTask", "MultipleChoiceTask"]

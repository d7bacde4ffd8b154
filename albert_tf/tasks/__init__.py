"""One module per head, registered in :data:`TASKS`: each owns its signature tensors, request encoding,
export options, in-graph forward and post-processing (see :mod:`albert_tf.tasks.base` for the interface).
Export looks the task up here; adding a head means adding one module and one line below. Modules import
TensorFlow lazily where the rest of the package must keep working without it.

Example:
    >>> from albert_tf.tasks import TASKS, get_task
    >>> list(TASKS)[:3], get_task("question_answering").model_class
    (['base', 'pretraining', 'masked_lm'], 'TFAlbertForQuestionAnswering')
"""

from __future__ import annotations

from albert_tf.tasks.base import ServingGraph, Task
from albert_tf.tasks.feature_extraction import FeatureExtractionTask
from albert_tf.tasks.fill_mask import MaskedLMTask, PretrainingTask
from albert_tf.tasks.multiple_choice import MultipleChoiceTask
from albert_tf.tasks.question_answering import QuestionAnsweringTask
from albert_tf.tasks.sequence_classification import SequenceClassificationTask
from albert_tf.tasks.token_classification import TokenClassificationTask

__all__ = ["TASKS", "ServingGraph", "Task", "get_task", "task_for_model"]

# Export task name -> task, in the CLI's (the issue's) order.
TASKS: dict[str, Task] = {task.name: task for task in (
    FeatureExtractionTask(), PretrainingTask(), MaskedLMTask(), SequenceClassificationTask(),
    MultipleChoiceTask(), TokenClassificationTask(), QuestionAnsweringTask(),
)}


def get_task(name: str) -> Task:
    """The task named ``name``; a one-line error listing the names otherwise."""
    try:
        return TASKS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown task {name!r}; tasks: {', '.join(TASKS)}") from None


def task_for_model(model) -> Task:
    """The task of an albert_tf model instance, from its class."""
    from albert_tf import modeling

    for task in TASKS.values():
        if isinstance(model, getattr(modeling, task.model_class)):
            return task
    raise ValueError(f"{type(model).__name__} is not an albert_tf ALBERT model; "
                     f"expected one of {', '.join(t.model_class for t in TASKS.values())}")

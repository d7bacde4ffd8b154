"""One module per head, registered in :data:`TASKS`: each owns its signature tensors, request encoding,
export options, in-graph forward and post-processing, and for the fine-tunable heads the data reader,
training rows and decoding (see :mod:`albert_tf.tasks.base` for the interface). Export, pipelines and
fine-tuning look the task up here; adding a head means adding one module and one line below. The two
largest heads keep their fine-tuning data half in a module named after its file format
(:mod:`~albert_tf.tasks.conll`, :mod:`~albert_tf.tasks.squad`). Modules import TensorFlow lazily where
the rest of the package must keep working without it.

Example:
    >>> from albert_tf.tasks import TASKS, FINETUNING_TASKS, get_task
    >>> list(TASKS)[:3], get_task("question_answering").model_class
    (['base', 'pretraining', 'masked_lm'], 'TFAlbertForQuestionAnswering')
    >>> FINETUNING_TASKS, get_task("ner", fine_tuning=True).name
    (('sequence_classification', 'token_classification', 'question_answering', 'multiple_choice'), 'token_classification')
"""

from __future__ import annotations

from albert_tf.tasks.base import Encoded, ServingGraph, Settings, Task
from albert_tf.tasks.feature_extraction import FeatureExtractionTask
from albert_tf.tasks.fill_mask import MaskedLMTask, PretrainingTask
from albert_tf.tasks.multiple_choice import MultipleChoiceTask
from albert_tf.tasks.question_answering import QuestionAnsweringTask
from albert_tf.tasks.sequence_classification import SequenceClassificationTask
from albert_tf.tasks.token_classification import TokenClassificationTask

__all__ = ["Encoded", "FINETUNING_TASKS", "ServingGraph", "Settings", "TASKS", "Task", "get_task", "task_for_model"]

# Export task name -> task, in the CLI's (the issue's) order.
TASKS: dict[str, Task] = {task.name: task for task in (
    FeatureExtractionTask(), PretrainingTask(), MaskedLMTask(), SequenceClassificationTask(),
    MultipleChoiceTask(), TokenClassificationTask(), QuestionAnsweringTask(),
)}


# The heads fine-tuning reads data files for, in ``albert-tf finetune``'s order.
FINETUNING_TASKS = tuple(name for name in ("sequence_classification", "token_classification", "question_answering",
                                           "multiple_choice") if TASKS[name].fine_tunable)


def get_task(name: str | Task, fine_tuning: bool = False) -> Task:
    """The task named ``name``; a one-line error listing the names otherwise.

    With ``fine_tuning`` only the fine-tunable heads are looked up, by name or alias (``ner``, ``squad``,
    ``mc``, ...; case and ``-``/``_`` do not matter), as ``albert-tf finetune --task`` takes them."""
    if isinstance(name, Task):
        return name
    if not fine_tuning:
        try:
            return TASKS[name]
        except (KeyError, TypeError):
            raise ValueError(f"unknown task {name!r}; tasks: {', '.join(TASKS)}") from None
    key = str(name).strip().lower().replace("-", "_")
    tasks = [TASKS[n] for n in FINETUNING_TASKS]
    for task in tasks:
        if key == task.name or key in task.aliases:
            return task
    known = ", ".join(f"{t.name} ({', '.join(t.aliases)})" for t in tasks)
    raise ValueError(f"unknown task {name!r}; tasks (aliases): {known}")


def task_for_model(model) -> Task:
    """The task of an albert_tf model instance, from its class."""
    from albert_tf import modeling

    for task in TASKS.values():
        if isinstance(model, getattr(modeling, task.model_class)):
            return task
    raise ValueError(f"{type(model).__name__} is not an albert_tf ALBERT model; "
                     f"expected one of {', '.join(t.model_class for t in TASKS.values())}")

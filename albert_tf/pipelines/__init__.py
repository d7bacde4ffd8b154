"""HF 4.x-compatible pipelines: ``pipeline(task, model=...)`` with the same call conventions and results.

The model cards' snippets work with only the import line changed:

    >>> from albert_tf import pipeline                                     # doctest: +SKIP
    >>> unmasker = pipeline("fill-mask", model="path/to/albert-base-v2")   # doctest: +SKIP
    >>> unmasker("Hello I'm a [MASK] model.")                              # doctest: +SKIP

Tasks: fill-mask, feature-extraction, text-classification (sentiment-analysis), token-classification
(ner) and question-answering. Lists of inputs are batched internally (``batch_size``).
"""

from albert_tf.pipelines.base import DEFAULT_BATCH_SIZE, Pipeline, PipelineException
from albert_tf.pipelines.factory import SUPPORTED_TASKS, TASK_ALIASES, pipeline
from albert_tf.pipelines.feature_extraction import FeatureExtractionPipeline
from albert_tf.pipelines.fill_mask import FillMaskPipeline
from albert_tf.pipelines.question_answering import QuestionAnsweringPipeline
from albert_tf.pipelines.text_classification import TextClassificationPipeline
from albert_tf.pipelines.token_classification import AggregationStrategy, TokenClassificationPipeline

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "AggregationStrategy",
    "FeatureExtractionPipeline",
    "FillMaskPipeline",
    "Pipeline",
    "PipelineException",
    "QuestionAnsweringPipeline",
    "SUPPORTED_TASKS",
    "TASK_ALIASES",
    "TextClassificationPipeline",
    "TokenClassificationPipeline",
    "pipeline",
]

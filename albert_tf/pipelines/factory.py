"""``pipeline(task, model=...)``: HF 4.x's factory for the ALBERT tasks.

Loads the task's model class and the tokenizer from a local directory (``config.json`` + weights +
``spiece.model``) or a hub id (which needs ``huggingface_hub`` and the network; otherwise loading raises
``OSError`` saying which is missing), or wraps a model instance you pass with your tokenizer.
"""

from __future__ import annotations

import os

from albert_tf.pipelines.base import Pipeline
from albert_tf.pipelines.feature_extraction import FeatureExtractionPipeline
from albert_tf.pipelines.fill_mask import FillMaskPipeline
from albert_tf.pipelines.question_answering import QuestionAnsweringPipeline
from albert_tf.pipelines.text_classification import TextClassificationPipeline
from albert_tf.pipelines.token_classification import TokenClassificationPipeline

# task -> (pipeline class, name of the albert_tf model class it loads)
SUPPORTED_TASKS: dict[str, tuple[type[Pipeline], str]] = {
    "feature-extraction": (FeatureExtractionPipeline, "TFAlbertModel"),
    "fill-mask": (FillMaskPipeline, "TFAlbertForMaskedLM"),
    "question-answering": (QuestionAnsweringPipeline, "TFAlbertForQuestionAnswering"),
    "text-classification": (TextClassificationPipeline, "TFAlbertForSequenceClassification"),
    "token-classification": (TokenClassificationPipeline, "TFAlbertForTokenClassification"),
}
TASK_ALIASES = {"sentiment-analysis": "text-classification", "ner": "token-classification"}
# Keras backend -> the `framework` names HF gives it.
_FRAMEWORKS = {"tensorflow": ("tf",), "torch": ("pt",), "jax": ("jax", "flax")}

# A checkpoint's `architectures` entry (HF PyTorch or TF name) -> the task it serves.
_ARCHITECTURE_TASKS = {
    "AlbertModel": "feature-extraction",
    "AlbertForMaskedLM": "fill-mask",
    "AlbertForPreTraining": "fill-mask",
    "AlbertForQuestionAnswering": "question-answering",
    "AlbertForSequenceClassification": "text-classification",
    "AlbertForTokenClassification": "token-classification",
}


def normalize_task(task: str) -> str:
    """``"ner"`` -> ``"token-classification"`` etc.; unknown tasks raise ``ValueError`` listing the known ones."""
    if not isinstance(task, str):
        raise TypeError(f"task must be a string, got {type(task).__name__}")
    name = TASK_ALIASES.get(task, task)
    if name not in SUPPORTED_TASKS:
        known = sorted(set(SUPPORTED_TASKS) | set(TASK_ALIASES))
        raise ValueError(f"Unknown task {task!r}; albert_tf pipelines support: {', '.join(known)}")
    return name


def _task_from_architecture(name: str) -> str | None:
    return _ARCHITECTURE_TASKS.get(name[2:] if name.startswith("TF") else name)


def _infer_task(model, config) -> str:
    names = []
    if model is not None and not isinstance(model, (str, os.PathLike)):
        names.append(type(model).__name__)
    else:
        names.extend(getattr(config, "architectures", None) or [])
    for name in names:
        task = _task_from_architecture(name)
        if task:
            return task
    raise ValueError(
        "task was not given and cannot be inferred "
        f"(architectures: {names or 'none recorded'}); pass one of {', '.join(sorted(SUPPORTED_TASKS))}"
    )


def _model_class(name: str):
    import albert_tf.modeling as modeling

    return getattr(modeling, name)


def pipeline(task: str | None = None, model=None, config=None, tokenizer=None, framework: str | None = None,
             device=None, batch_size: int | None = None, model_kwargs: dict | None = None,
             use_fast: bool = True, **kwargs) -> Pipeline:
    """Build a task pipeline, with ``transformers.pipeline``'s arguments and results.

    Args:
        task: ``"fill-mask"``, ``"feature-extraction"``, ``"text-classification"`` (``"sentiment-analysis"``),
            ``"token-classification"`` (``"ner"``) or ``"question-answering"``. Optional when the
            model's config records its architecture (or ``model`` is an instance).
        model: a local directory, a hub id, or an ``albert_tf`` model instance (then ``tokenizer`` is needed).
        config: an :class:`~albert_tf.AlbertConfig` or a path to one, used instead of the checkpoint's.
        tokenizer: an :class:`~albert_tf.tokenization.AlbertTokenizer` or where to load one from; defaults
            to ``model`` when that is a path or hub id.
        framework: ``None`` or the active Keras backend's: ``"tf"``, ``"pt"`` (torch) or ``"jax"``/``"flax"``.
        device: ``-1``/``"cpu"``, a GPU index, ``"cuda:N"``/``"gpu:N"``, a TensorFlow device string or a
            ``torch.device`` / JAX device (see :func:`~albert_tf.pipelines.runtime.parse_device`).
        batch_size: features per model call (default 8); inputs are batched internally.
        model_kwargs: config overrides for ``from_pretrained`` (e.g. ``{"num_labels": 3}``).
        use_fast: accepted for compatibility; there is one tokenizer, whose offsets match HF's fast one.
        **kwargs: default call parameters of the task, e.g. ``top_k=3`` or ``aggregation_strategy="simple"``.

    Example (a tiny random model; a real one is a directory like albert-base-v2's):
        >>> import tempfile
        >>> from albert_tf import AlbertConfig, TFAlbertForMaskedLM
        >>> from albert_tf.pipelines import pipeline
        >>> from albert_tf.tokenization import train_tokenizer
        >>> d = tempfile.mkdtemp(); _ = train_tokenizer(["data/reviews.csv"], 1000, d, max_lines=3000)
        >>> config = AlbertConfig(vocab_size=1000, embedding_size=8, hidden_size=16, num_attention_heads=2,
        ...                       intermediate_size=32, num_hidden_layers=1)
        >>> _ = TFAlbertForMaskedLM(config).save_pretrained(d)
        >>> unmasker = pipeline("fill-mask", model=d, top_k=2)
        >>> [sorted(candidate) for candidate in unmasker("A [MASK] film.")]
        [['score', 'sequence', 'token', 'token_str'], ['score', 'sequence', 'token', 'token_str']]
    """
    del use_fast
    import keras

    backend = keras.backend.backend()
    frameworks = _FRAMEWORKS.get(backend, ())
    if framework is not None and framework not in frameworks:
        raise ValueError(f"framework={framework!r}: albert_tf models run on the active Keras backend, {backend} "
                         f"(framework={frameworks[0]!r} or None); set KERAS_BACKEND before importing keras")
    if model is None:
        raise ValueError("model is required: pass a local model directory, a hub id or a model instance "
                         "(albert_tf never downloads a default model)")
    model_kwargs = dict(model_kwargs or {})
    is_path = isinstance(model, (str, os.PathLike))
    if config is not None and isinstance(config, (str, os.PathLike)):
        from albert_tf.modeling import AlbertConfig

        config = AlbertConfig.from_pretrained(config)
    if task is None:
        if is_path and config is None:
            from albert_tf.checkpoints.resolve import resolve_directory
            from albert_tf.modeling import AlbertConfig

            # The checkpoint's own config.json (a hub id is fetched first, or fails saying why).
            config = AlbertConfig.from_pretrained(resolve_directory(model))
        task = _infer_task(model, config)
    task = normalize_task(task)
    pipeline_class, model_class_name = SUPPORTED_TASKS[task]

    source = os.fspath(model) if is_path else None
    if is_path:
        model_class = _model_class(model_class_name)
        model = model_class.from_pretrained(source, config=config, **model_kwargs)
    elif model_kwargs or config is not None:
        raise ValueError("config and model_kwargs apply when loading; model is already an instance")
    if tokenizer is None:
        if not is_path:
            raise ValueError(
                "Impossible to guess which tokenizer to use: model is an instance, so pass tokenizer= "
                "(an AlbertTokenizer or the directory holding spiece.model)"
            )
        tokenizer = source
    if isinstance(tokenizer, (str, os.PathLike)):
        from albert_tf.tokenization import AlbertTokenizer

        tokenizer = AlbertTokenizer.from_pretrained(os.fspath(tokenizer))
    return pipeline_class(model, tokenizer, task=task, device=device, batch_size=batch_size, **kwargs)

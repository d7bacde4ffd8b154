"""``finetune`` and ``evaluate``: the fine-tuning loop around Keras ``fit`` and the evaluation pass.

Training is ``model.compile(AdamW with linear warmup and decay)`` + ``model.fit`` on batches padded to
their own longest row (see :mod:`~albert_tf.finetuning.batching`). After every epoch the eval file is
scored with the task's metrics; the best epoch's model (by the task's primary metric) is what
``output_dir`` holds: ``config.json`` (with ``id2label``) + ``model.safetensors`` + the tokenizer files,
readable by ``from_pretrained`` here and in HF, plus ``metrics.json``, ``finetune_settings.json`` and
TensorBoard logs under ``logs/`` (:mod:`~albert_tf.finetuning.artifacts`). Batched inference and scoring are
:mod:`~albert_tf.finetuning.prediction`; the per-epoch evaluation and best-model saving during ``fit``,
:mod:`~albert_tf.finetuning.callbacks`; option parsing and validation, :mod:`~albert_tf.finetuning.options`.

The Keras backend (``KERAS_BACKEND``) decides the data path:

- ``tensorflow``: the batches feed ``fit`` as a ``tf.data`` pipeline, under the same ``tf.distribute``
  strategies and mixed-precision policies as pre-training; evaluation runs a ``tf.function``.
- ``jax`` and ``torch``: the same batches as numpy arrays (a ``keras.utils.PyDataset``), on one device,
  and evaluation calls the model directly: no TensorFlow at run time. ``--strategy`` other than
  ``default`` / ``one_device`` and ``--tpu`` are refused. TensorBoard event files are written only if
  TensorFlow is installed (its summary writer, kept off the GPU); otherwise there is no ``logs/`` and
  ``metrics.json`` holds the same numbers.

Example:
    >>> result = finetune("sequence_classification", "path/to/pretrained", "train.csv",  # doctest: +SKIP
    ...                   "dev.csv", "/tmp/clf", epochs=2, learning_rate=5e-5)
    >>> result["metrics"]["accuracy"], result["best_checkpoint_dir"]  # doctest: +SKIP
    (0.81, '/tmp/clf')
    >>> evaluate("sequence_classification", "/tmp/clf", "dev.csv")["accuracy"]  # doctest: +SKIP
    0.81
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
from typing import Any, Mapping

from albert_tf.finetuning.artifacts import (
    EVAL_RESULTS_FILE,
    LOG_DIR,
    METRICS_FILE,
    OUTPUT_ARTIFACTS,
    SETTINGS_FILE,
    load_settings,
    write_json,
)
from albert_tf.finetuning.batching import LengthBucketedBatches
from albert_tf.finetuning.callbacks import _callbacks, _Run
from albert_tf.finetuning.model_source import load_tokenizer, resolve_model_source
from albert_tf.finetuning.options import PRECISIONS, SINGLE_DEVICE_STRATEGIES  # noqa: F401
from albert_tf.finetuning.options import _SHAPE_FIELDS, JAX_LENGTH_MULTIPLE, _check_single_device_flags, keras_policy
from albert_tf.finetuning.prediction import _pad_values, _score, predict_rows
from albert_tf.tasks import Settings, get_task
from albert_tf.tasks.sequence_classification import is_regression
from albert_tf.modeling.config import AlbertConfig
from albert_tf.training.summaries import summary_writer
from albert_tf.utils.progress import tensorboard_hint

logger = logging.getLogger("albert_tf")


def finetune(
    task: str,
    model,
    train_file: str,
    eval_file: str | None,
    output_dir: str,
    *,
    tokenizer=None,
    num_labels: int | None = None,
    max_seq_length: int | None = None,
    learning_rate: float = 3e-5,
    epochs: int = 3,
    global_batch_size: int = 32,
    eval_batch_size: int | None = None,
    warmup_ratio: float = 0.1,
    weight_decay: float = 0.01,
    clip_norm: float | None = 1.0,
    seed: int = 0,
    strategy: str = "default",
    tpu: str | None = None,
    mixed_precision: str | None = None,
    doc_stride: int = 128,
    max_query_length: int = 64,
    max_answer_length: int = 30,
    n_best_size: int = 20,
    null_score_diff_threshold: float = 0.0,
    qa_decoding: str = "pipeline",
    token_decoding: str = "first_piece",
    aggregation_strategy: str = "first",
    max_train_examples: int | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    evaluate_before_training: bool = True,
    verbose: bool = True,
) -> dict:
    """Fine-tunes ``model`` on ``train_file`` for ``task`` and keeps the best epoch in ``output_dir``.

    Args:
        task: ``sequence_classification`` (CSV/TSV/JSONL; alias ``regression`` sets ``num_labels=1``),
            ``token_classification`` (CoNLL), ``question_answering`` (SQuAD JSON) or ``multiple_choice``
            (JSONL).
        model: a model directory, a pre-trained ``TFAlbertForPreTraining`` directory, a bare preset name
            (random init), a ``config.json`` path or ``AlbertConfig`` (random init), or an owner/name hub id.
        train_file, eval_file: data files; ``eval_file=None`` keeps the last epoch instead of the best.
        output_dir: receives the model directory, ``metrics.json`` and TensorBoard logs (``logs/``).
        tokenizer: directory with ``spiece.model`` (needed for random init), a ``.model`` file or an
            ``AlbertTokenizer``; default: the model directory's.
        num_labels: classification outputs (default: the training file's label count); 1 = regression.
        max_seq_length: pieces per row (default 128; 384 for question answering).
        global_batch_size: examples per step over all replicas.
        strategy, tpu: as for pre-training: ``default``, ``one_device``, ``mirrored`` or ``tpu`` (fixed-length
            batches); not ``multi_worker``, which Keras 3's ``fit`` does not support. These are
            ``tf.distribute`` strategies, so the TensorFlow backend's: on JAX and torch only ``default``
            and ``one_device`` (both: one device) are accepted.
        mixed_precision: ``float16`` (dynamic loss scaling) or ``bfloat16``; default float32.
        doc_stride, max_query_length, max_answer_length, n_best_size, null_score_diff_threshold:
            question answering windows and decoding.
        qa_decoding, token_decoding, aggregation_strategy: how evaluation decodes question answering and
            token classification (see :class:`~albert_tf.tasks.base.Settings`); saved for ``evaluate``.
        max_train_examples: use only the first N training examples (quick runs).
        config_overrides: extra config fields, e.g. ``{"classifier_dropout_prob": 0.0}``.
        evaluate_before_training: score the eval set once before the first step (``initial_metrics``).

    Data path by Keras backend (see the module doc): ``tensorflow``: ``tf.data`` and ``tf.distribute``;
    ``jax`` / ``torch``: numpy batches (``keras.utils.PyDataset``) on one device, no TensorFlow at run time.

    Returns:
        ``{"metrics": best epoch's eval metrics, "best_checkpoint_dir": output_dir, "best_epoch",
        "primary_metric", "best_metric", "initial_metrics", "history": [per-epoch train loss and eval
        metrics], ...}``; the same dict is written to ``output_dir/metrics.json``.

    Raises:
        DataFormatError: a malformed row (file, line, reason); FileNotFoundError, ValueError: bad arguments.
    """
    import keras

    from albert_tf.training.config_overrides import check_config_overrides

    started = time.time()
    on_tf = keras.backend.backend() == "tensorflow"
    task_name = task
    task = get_task(task, fine_tuning=True)
    if isinstance(task_name, str) and task_name.strip().lower() == "regression":
        if num_labels not in (None, 1):
            raise ValueError(f"task 'regression' means num_labels=1, got num_labels={num_labels}")
        num_labels = 1
    if strategy == "multi_worker":
        # Keras 3's fit() does not run under MultiWorkerMirroredStrategy (keras-team/keras#20585).
        raise ValueError("finetune runs on Keras fit(), which does not support --strategy=multi_worker; use "
                         "mirrored (all GPUs of one host), one_device, default or tpu")
    policy = keras_policy(mixed_precision)
    if on_tf:
        from albert_tf.training.strategy import validate_strategy_flags

        validate_strategy_flags(strategy, tpu=tpu, mixed_precision=policy.replace("mixed_", ""))
    else:
        _check_single_device_flags(strategy, tpu)
    for name, value in (("epochs", epochs), ("global_batch_size", global_batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}")
    if not 0 <= warmup_ratio < 1:
        raise ValueError(f"warmup_ratio must be in [0, 1), got {warmup_ratio}")
    if num_labels is not None and (isinstance(num_labels, bool) or not isinstance(num_labels, int) or num_labels < 1):
        raise ValueError(f"num_labels must be a positive integer, got {num_labels!r}")
    if on_tf:
        from albert_tf.training.strategy import make_strategy

        distribution = make_strategy(strategy, tpu=tpu)

    source = resolve_model_source(model)
    tok = load_tokenizer(tokenizer, source.directory)
    settings = Settings(max_seq_length or task.default_max_seq_length, doc_stride, max_query_length,
                        max_answer_length, n_best_size, null_score_diff_threshold, qa_decoding, token_decoding,
                        aggregation_strategy)
    settings.validate(source.config.max_position_embeddings)

    regression = num_labels == 1 or (num_labels is None and source.pretrained and task.has_labels_in_config
                                      and is_regression(source.config))
    train_examples = task.read(train_file, regression=regression)
    if max_train_examples is not None:
        train_examples = train_examples[:max_train_examples]
    eval_examples = task.read(eval_file, regression=regression) if eval_file is not None else None

    overrides = dict(task.label_config(train_examples, source.config if source.pretrained else None,
                                       1 if regression else num_labels))
    check_config_overrides(config_overrides or {})
    overrides.update(config_overrides or {})
    if source.pretrained:
        changed = sorted(k for k in _SHAPE_FIELDS if k in overrides and overrides[k] != getattr(source.config, k))
        if changed:
            raise ValueError(f"config_overrides change the shape of the pre-trained model ({', '.join(changed)}); "
                             "its weights would not fit. Start from a preset or config.json for a new shape.")
    else:
        if tok.vocab_size != source.config.vocab_size and "vocab_size" not in overrides:
            logger.info("random init: vocab_size %d -> %d (the tokenizer's)", source.config.vocab_size, tok.vocab_size)
        overrides.setdefault("vocab_size", tok.vocab_size)
    # A new id2label replaces the base's label2id too (AlbertConfig.from_dict keeps the maps consistent).
    config = AlbertConfig.from_dict(source.config.to_dict(), **overrides)
    if tok.vocab_size > config.vocab_size:
        raise ValueError(f"the tokenizer has {tok.vocab_size} pieces but the model's vocab_size is "
                         f"{config.vocab_size}: they do not belong together")
    # A fine-tuned head with another label count is replaced (HF's ignore_mismatched_sizes); nothing else is.
    new_head = source.pretrained and task.has_labels_in_config and config.num_labels != source.config.num_labels
    if eval_examples is not None:
        task.check_labels(eval_examples, config)  # fail before training, not after the first epoch

    train_encoded = task.encode(train_examples, tok, settings, config)
    eval_encoded = task.encode(eval_examples, tok, settings, config) if eval_examples is not None else None

    from albert_tf.training.optimization import create_optimizer

    if on_tf:
        import tensorflow as tf

        from albert_tf.training.strategy import is_chief

        replicas = distribution.num_replicas_in_sync
        on_tpu = isinstance(distribution, tf.distribute.TPUStrategy)
    else:
        replicas, on_tpu = 1, False
    if global_batch_size % replicas:
        raise ValueError(f"global_batch_size={global_batch_size} is not a multiple of the {replicas} replicas")
    batches = LengthBucketedBatches(
        train_encoded.rows, global_batch_size, _pad_values(task, tok), seed=seed,
        # TPUs compile one program per shape: fixed length, full batches.
        length=settings.max_seq_length if on_tpu else None, drop_remainder=on_tpu or replicas > 1,
        # JAX compiles one program per batch shape too: rounding lengths up bounds the compilations
        # (<= max_seq_length / 16 lengths) at a little padding.
        pad_to_multiple_of=JAX_LENGTH_MULTIPLE if keras.backend.backend() == "jax" else None)
    if len(batches) == 0:
        raise ValueError(f"{len(train_encoded.rows)} training rows do not fill one batch of {global_batch_size}")
    steps_per_epoch = len(batches)
    num_train_steps = steps_per_epoch * epochs
    warmup_steps = int(warmup_ratio * num_train_steps)

    os.makedirs(output_dir, exist_ok=True)
    chief = is_chief(distribution) if on_tf else True  # one process off TF
    previous_policy = keras.config.dtype_policy()
    keras.utils.set_random_seed(seed)
    keras.mixed_precision.set_global_policy(policy)
    try:
        with distribution.scope() if on_tf else contextlib.nullcontext():
            if source.pretrained:
                net = task.load_model_class().from_pretrained(source.directory, config=config,
                                                      ignore_mismatched_sizes=new_head)
            else:
                net = task.load_model_class()(config)
            optimizer = create_optimizer(net, learning_rate=learning_rate, num_train_steps=num_train_steps,
                                         warmup_steps=warmup_steps, optimizer="adamw", weight_decay=weight_decay,
                                         clip_norm=clip_norm, all_reduce_in_step=False)
            # XLA would recompile for every batch length; compile() wraps a LossScaleOptimizer for float16.
            # JAX: Keras' compiled step (its default), over the few rounded lengths; un-jitted JAX runs op by
            # op. torch: eager (torch.compile would recompile per shape).
            net.compile(optimizer=optimizer, jit_compile=keras.backend.backend() == "jax")

        metric, greater = task.primary_metric(config, train_examples)
        log_root = os.path.join(output_dir, LOG_DIR)
        run = _Run(task, net, tok, settings, output_dir, eval_examples, eval_encoded,
                   eval_batch_size or global_batch_size, metric, greater, chief, bool(verbose),
                   writer=summary_writer(os.path.join(log_root, "eval")) if chief else None)
        initial = None
        if eval_examples is not None and evaluate_before_training:
            initial = run.evaluate()
            run.log(0, initial)
        train_writer = summary_writer(os.path.join(log_root, "train")) if chief else None
        callbacks = _callbacks(run, train_writer, log_every=max(1, steps_per_epoch // 10))
        if verbose:
            where = (f"strategy={strategy} ({replicas} replica(s))" if on_tf
                     else f"{keras.backend.backend()} backend, one device")
            print(f"fine-tuning {task.name}: {source.description}, {len(train_examples)} examples "
                  f"({len(train_encoded.rows)} rows), {steps_per_epoch} steps x {epochs} epochs, "
                  f"{where}, {policy}", flush=True)
            if chief and train_writer is not None:
                print(tensorboard_hint(log_root), flush=True)
        # tf.data on TF (tf.distribute shards it); numpy batches elsewhere, which need no TensorFlow.
        data = batches.to_dataset() if on_tf else batches.to_py_dataset()
        fit = net.fit(data, epochs=epochs, callbacks=callbacks, verbose=1 if verbose else 0,
                      shuffle=False)  # the batch source shuffles (by length buckets) itself
        if eval_examples is None or run.best is None:
            run.save()  # no eval set (or no finite metric): keep the last epoch
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)

    result = {
        "task": task.name,
        "primary_metric": metric,
        "best_metric": run.best["value"] if run.best else None,
        "best_epoch": run.best["epoch"] if run.best else epochs,
        "metrics": run.best["metrics"] if run.best else {},
        "initial_metrics": initial,
        "history": run.history,
        "train_loss": [float(v) for v in fit.history.get("loss", [])],
        "best_checkpoint_dir": output_dir,
        "output_dir": output_dir,
        "model": source.description,
        "num_train_examples": len(train_examples),
        "num_train_rows": len(train_encoded.rows),
        "num_eval_examples": len(eval_examples) if eval_examples is not None else 0,
        "num_train_steps": num_train_steps,
        "settings": dataclasses.asdict(settings),
        "hyperparameters": {"learning_rate": learning_rate, "epochs": epochs, "global_batch_size": global_batch_size,
                            "warmup_ratio": warmup_ratio, "weight_decay": weight_decay, "seed": seed,
                            "strategy": strategy, "mixed_precision": policy},
        "seconds": time.time() - started,
    }
    if chief:
        write_json(os.path.join(output_dir, METRICS_FILE), result)
    return result


# ---------------------------------------------------------------------------------------------------
# evaluation


def evaluate(
    task: str,
    model_dir: str,
    eval_file: str,
    *,
    tokenizer=None,
    batch_size: int = 32,
    max_seq_length: int | None = None,
    doc_stride: int | None = None,
    max_query_length: int | None = None,
    max_answer_length: int | None = None,
    n_best_size: int | None = None,
    null_score_diff_threshold: float | None = None,
    qa_decoding: str | None = None,
    token_decoding: str | None = None,
    aggregation_strategy: str | None = None,
    output_file: str | None = None,
    predictions_file: str | None = None,
    progress: bool = False,
    return_predictions: bool = False,
):
    """Scores the fine-tuned model in ``model_dir`` on ``eval_file``; returns the metrics dict.

    Tokenization and decoding settings default to those the model was fine-tuned with
    (``finetune_settings.json``). ``output_file`` receives the metrics as JSON; ``predictions_file``
    the predictions (question answering: ``{id: answer}``, what the official SQuAD scripts read;
    other tasks: ``[{"line", "prediction", ...}]``). ``qa_decoding``, ``token_decoding`` and
    ``aggregation_strategy`` choose the decoding (see :class:`~albert_tf.tasks.base.Settings`).
    With ``return_predictions`` the result is ``(metrics, predictions)``: question answering's
    ``{id: {"answer", "score", "start", "end"}}``, one record per example otherwise.

    Example:
        >>> evaluate("ner", "/tmp/ner_model", "tests/fixtures/finetuning/ner_dev.conll")["f1"]  # doctest: +SKIP
        0.42
    """
    import keras

    task = get_task(task, fine_tuning=True)
    saved = load_settings(model_dir)
    if saved.get("task") not in (None, task.name):
        logger.warning("%s was fine-tuned for %s, evaluating it as %s", model_dir, saved["task"], task.name)
    explicit = {"max_seq_length": max_seq_length, "doc_stride": doc_stride, "max_query_length": max_query_length,
                "max_answer_length": max_answer_length, "n_best_size": n_best_size,
                "null_score_diff_threshold": null_score_diff_threshold, "qa_decoding": qa_decoding,
                "token_decoding": token_decoding, "aggregation_strategy": aggregation_strategy}
    values = {"max_seq_length": task.default_max_seq_length}
    values.update({k: v for k, v in saved.items() if k in explicit})
    values.update({k: v for k, v in explicit.items() if v is not None})
    settings = Settings(**values)
    if not os.path.isdir(model_dir):
        raise FileNotFoundError(f"model directory not found: {model_dir}")
    tok = load_tokenizer(tokenizer, model_dir)
    previous_policy = keras.config.dtype_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        model = task.load_model_class().from_pretrained(model_dir)
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    settings.validate(model.config.max_position_embeddings)
    regression = task.has_labels_in_config and is_regression(model.config)
    examples = task.read(eval_file, regression=regression)
    task.check_labels(examples, model.config)
    encoded = task.encode(examples, tok, settings, model.config)
    metrics, predictions = _score(task, model, examples, encoded, settings, tok, batch_size, progress=progress)
    if output_file:
        write_json(output_file, metrics)
    if predictions_file:
        if isinstance(predictions, dict):  # question answering: {id: answer text}, as the SQuAD scripts read
            write_json(predictions_file, {qid: record["answer"] for qid, record in predictions.items()})
        else:  # one record per example: its line, the prediction and, where the head has one, its score
            write_json(predictions_file, [{"line": e.line, **(p if isinstance(p, dict) else {"prediction": p})}
                                          for e, p in zip(examples, predictions)])
    return (metrics, predictions) if return_predictions else metrics

# The names this module has always offered; the output-file constants, `load_settings` and `predict_rows` now
# live in albert_tf.finetuning.artifacts and albert_tf.finetuning.prediction (commands import them from here).
__all__ = ["EVAL_RESULTS_FILE", "OUTPUT_ARTIFACTS", "SETTINGS_FILE", "evaluate", "finetune", "keras_policy",
           "load_settings", "predict_rows", "write_json"]

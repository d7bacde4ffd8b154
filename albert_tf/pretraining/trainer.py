"""ALBERT pretraining on ``tf.distribute``: one custom training step for every strategy.

Keras 3's ``model.fit`` fails under MultiWorkerMirroredStrategy (keras-team/keras #20585), so training
runs its own step: ``strategy.run`` inside a ``tf.function`` over ``distribute_datasets_from_function``,
with a Keras 3 ``TFAlbertForPreTraining`` and a Keras optimizer. TensorFlow does all the distribution.

The step (:mod:`~albert_tf.pretraining.step`), per replica:

1. the masked-LM weight total is all-reduced first, so each replica's MLM loss is
   ``sum(w * CE) / global_sum(w)`` and its SOP loss ``sum(CE) / global_batch_size``: the replica losses
   add up to exactly the single-device loss of the global batch;
2. forward pass of the model with ``mask_positions=masked_lm_positions``: the sequence output is gathered
   at those positions *before* the vocabulary projection; optionally XLA-compiled (``jit_compile``);
3. gradients are summed over replicas by us, then clipped by global norm and applied by the optimizer
   (see :mod:`.optimization` for why we, not Keras, sum them).

Fault tolerance: a ``tf.train.CheckpointManager`` over model, optimizer and step saves every
``save_checkpoints_steps``. The data position is not stored in the checkpoint: the input stream is a pure
function of (files, seed, position), so a restarted run skips the records already consumed and continues
with exactly the batches the interrupted run would have seen (skip-based resume; works for every
strategy, unlike tf.data iterator checkpoints). Restarting with the same flags resumes from the latest
checkpoint; the run then ends at the same total step count.

Outputs in ``model_dir``: ``checkpoints/`` (TF checkpoints), ``train/`` and ``eval/`` (TensorBoard),
``metrics.jsonl`` (one JSON object per log step and per event), ``run_config.json``, and at the end
``export_dir`` (default ``model_dir/pretrained``): ``config.json`` + ``model.safetensors`` for
``TFAlbertForPreTraining.from_pretrained`` / ``TFAlbertModel.from_pretrained``, plus the tokenizer files
when a tokenizer was given (:mod:`~albert_tf.pretraining.run_dir`). Held-out evaluation is
:mod:`~albert_tf.pretraining.evaluation`.

Example:
    >>> result = pretrain("albert-base-v2", "/data/wiki-*.tfrecord", "/tmp/run",      # doctest: +SKIP
    ...                   config_overrides={"hidden_size": 256, "num_attention_heads": 4,
    ...                                     "intermediate_size": 1024, "num_hidden_layers": 4},
    ...                   global_batch_size=64, num_train_steps=3000, warmup_steps=300,
    ...                   learning_rate=1e-3, tokenizer="/data/spm")
    >>> TFAlbertForPreTraining.from_pretrained(result.export_dir)                      # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from typing import Any, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from albert_tf.modeling import AlbertConfig, TFAlbertForPreTraining
from albert_tf.pretraining import input as pretraining_input
from albert_tf.pretraining.evaluation import (
    _num_input_pipelines,
    evaluate_pretrained,
    evaluate_pretraining,
    majority_baselines,
    metrics_from_sums,
)
from albert_tf.pretraining.run_dir import (
    CHECKPOINT_SUBDIR,
    DEFAULT_EXPORT_SUBDIR,
    EVAL_LOG_SUBDIR,
    METRICS_NAME,
    RUN_CONFIG_NAME,
    RUN_OUTPUTS,
    TRAIN_LOG_SUBDIR,
    WORKER_TMP,
    _MetricsLog,
    _remove_tree,
    _write_text,
    export_pretrained,
    prepare_model_dir,
)
from albert_tf.pretraining.step import _SUM_KEYS, PretrainingStep, pretraining_logits, pretraining_sums
from albert_tf.training import optimization
from albert_tf.training import strategy as strategy_lib
from albert_tf.training.config_overrides import parse_config_overrides
from albert_tf.training.summaries import summary_writer, write_scalars
from albert_tf.utils.progress import tensorboard_hint

logger = logging.getLogger("albert_tf")

MIXED_PRECISION = ("none", "float16", "bfloat16")


@dataclasses.dataclass
class PretrainResult:
    """What a :func:`pretrain` call did. ``metrics`` are those of the last logged interval."""

    model_dir: str
    export_dir: str | None
    global_step: int
    steps_this_run: int
    restored_step: int
    metrics: dict
    eval_metrics: dict | None
    examples_per_second: float


def resolve_model_config(model_config: AlbertConfig | str | os.PathLike, overrides: Mapping[str, Any] | None = None,
                         tokenizer_vocab_size: int | None = None) -> AlbertConfig:
    """A preset name, config.json path, model directory or AlbertConfig, with overrides applied.

    Without an explicit ``vocab_size`` override, the tokenizer's vocabulary size wins over the config's.
    """
    overrides = dict(overrides or {})
    if tokenizer_vocab_size is not None:
        explicit = overrides.get("vocab_size")
        if explicit is not None and explicit != tokenizer_vocab_size:
            raise ValueError(f"vocab_size={explicit} was asked for, but the tokenizer has {tokenizer_vocab_size} "
                             "pieces; drop the override or use the matching tokenizer")
        overrides["vocab_size"] = tokenizer_vocab_size
    if isinstance(model_config, AlbertConfig):
        return AlbertConfig.from_dict(model_config.to_dict(), **overrides)
    return AlbertConfig.from_pretrained(model_config, **overrides)


def _load_tokenizer(tokenizer):
    if tokenizer is None:
        return None
    from albert_tf.tokenization import AlbertTokenizer

    if isinstance(tokenizer, AlbertTokenizer):
        return tokenizer
    return AlbertTokenizer.from_pretrained(os.fspath(tokenizer))


def _copy_weights(source, target) -> None:
    if len(source.weights) != len(target.weights):
        raise ValueError("init_checkpoint model and training model have different variables")
    for src, dst in zip(source.weights, target.weights):
        if tuple(src.shape) != tuple(dst.shape):
            raise ValueError(f"init_checkpoint weight {src.path} has shape {tuple(src.shape)}, the model needs "
                             f"{tuple(dst.shape)}")
        dst.assign(src.numpy())


# --------------------------------------------------------------------------------------------- pretrain
def pretrain(
    model_config: AlbertConfig | str | os.PathLike,
    train_files: str | Sequence[str],
    model_dir: str | os.PathLike,
    *,
    config_overrides: str | Sequence[str] | Mapping[str, Any] | None = None,
    strategy: str | tf.distribute.Strategy = "default",
    tpu: str | None = None,
    global_batch_size: int = 32,
    num_train_steps: int = 1000,
    warmup_steps: int | None = None,
    learning_rate: float = 1e-3,
    optimizer: str = "lamb",
    weight_decay: float = 0.01,
    clip_norm: float = 1.0,
    mixed_precision: str | None = None,
    jit_compile: bool = False,
    steps_per_execution: int = 1,
    init_checkpoint: str | os.PathLike | None = None,
    save_checkpoints_steps: int = 1000,
    keep_checkpoint_max: int = 5,
    log_every_steps: int = 100,
    seed: int = 0,
    dynamic_masking: bool = False,
    shuffle_buffer_size: int = 10_000,
    eval_files: str | Sequence[str] | None = None,
    eval_steps: int | None = None,
    eval_every_steps: int = 0,
    tokenizer=None,
    export_dir: str | os.PathLike | None = None,
    progress_bar: bool = True,
    stop_after_steps: int | None = None,
    overwrite_output_dir: bool = False,
) -> PretrainResult:
    """Pretrains ``TFAlbertForPreTraining`` (MLM + SOP) on records, resuming from ``model_dir`` if it has
    a checkpoint. See the module docstring for what is written where.

    Args:
        model_config: preset name (``albert-base-v2``), config.json, model directory, or AlbertConfig.
        config_overrides: config fields to change, e.g. ``"hidden_size=256,num_hidden_layers=4"``.
        train_files: record globs (comma-separated or a list).
        strategy: a name from :data:`albert_tf.training.strategy.STRATEGIES` or a Strategy instance.
        global_batch_size: examples per step over all replicas.
        warmup_steps: default 10% of ``num_train_steps``.
        optimizer: "lamb" or "adamw"; weight decay skips LayerNorm and biases; gradients are clipped to
            global norm ``clip_norm``.
        mixed_precision: "float16" (with loss scaling), "bfloat16" or None.
        steps_per_execution: training steps per ``tf.function`` call (fewer host round trips; TPUs want
            many).
        init_checkpoint: weights to start from (any format ``from_pretrained`` reads); ignored when
            ``model_dir`` already holds a checkpoint.
        dynamic_masking: re-mask every batch in graph instead of using the stored masks.
        eval_files: held-out records, evaluated every ``eval_every_steps`` (0: at the end only).
        tokenizer: directory with spiece.model (or an AlbertTokenizer); sets vocab_size and is copied
            next to the exported model.
        stop_after_steps: stop (with a checkpoint) after this many steps in this call, e.g. to split a
            long run; the schedule still spans ``num_train_steps``.
        overwrite_output_dir: start over in a ``model_dir`` that holds another run (its outputs are
            removed first). Without it the same run resumes, and another run is refused naming what changed.

    Seeds Python, NumPy and TensorFlow with ``seed`` (``keras.utils.set_random_seed``) so that the initial
    weights are reproducible and the same on every worker.
    """
    started = time.time()
    model_dir = os.fspath(model_dir)
    mixed_precision = None if mixed_precision in (None, "", "none") else mixed_precision
    if mixed_precision is not None and mixed_precision not in MIXED_PRECISION:
        raise ValueError(f"mixed_precision must be one of {MIXED_PRECISION}, got {mixed_precision!r}")
    for name, value in (("global_batch_size", global_batch_size), ("num_train_steps", num_train_steps),
                        ("steps_per_execution", steps_per_execution),
                        ("save_checkpoints_steps", save_checkpoints_steps), ("log_every_steps", log_every_steps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    warmup_steps = num_train_steps // 10 if warmup_steps is None else warmup_steps
    if isinstance(strategy, str):
        strategy_lib.validate_strategy_flags(strategy, tpu=tpu, mixed_precision=mixed_precision)
        strategy = strategy_lib.make_strategy(strategy, tpu=tpu)
    chief = strategy_lib.is_chief(strategy)
    num_replicas = strategy.num_replicas_in_sync
    if global_batch_size % num_replicas:
        raise ValueError(f"global_batch_size={global_batch_size} is not divisible by the {num_replicas} replicas")

    files = pretraining_input.resolve_files(train_files)
    max_seq_length, max_predictions = pretraining_input.record_shapes(files)
    tok = _load_tokenizer(tokenizer)
    config = resolve_model_config(model_config, parse_config_overrides(config_overrides),
                                  tokenizer_vocab_size=tok.vocab_size if tok else None)
    if max_seq_length > config.max_position_embeddings:
        raise ValueError(f"records have max_seq_length={max_seq_length} > the model's max_position_embeddings="
                         f"{config.max_position_embeddings}")

    num_pipelines = _num_input_pipelines(strategy)
    settings = {
        "train_files": files, "global_batch_size": global_batch_size, "seed": seed,
        "dynamic_masking": dynamic_masking, "shuffle_buffer_size": shuffle_buffer_size,
        "num_input_pipelines": num_pipelines, "max_seq_length": max_seq_length,
        "max_predictions_per_seq": max_predictions, "num_train_steps": num_train_steps,
        "learning_rate": learning_rate, "warmup_steps": warmup_steps, "optimizer": optimizer,
        "num_replicas": num_replicas, "model_config": config.to_dict(),
    }
    prepare_model_dir(model_dir, settings, overwrite_output_dir, chief)  # before anything is built or restored

    keras.utils.set_random_seed(seed)
    dtype = {None: None, "float16": "mixed_float16", "bfloat16": "mixed_bfloat16"}[mixed_precision]
    with strategy.scope():
        model = TFAlbertForPreTraining(config, dtype=dtype) if dtype else TFAlbertForPreTraining(config)
        opt = optimization.create_optimizer(
            model, learning_rate=learning_rate, num_train_steps=num_train_steps, warmup_steps=warmup_steps,
            optimizer=optimizer, weight_decay=weight_decay, clip_norm=clip_norm,
            loss_scale=mixed_precision == "float16")
        opt.build(model.trainable_variables)
        global_step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step",
                                  aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
    step_fn = PretrainingStep(model, opt, strategy, global_batch_size, global_step, jit_compile=jit_compile)

    # Checkpoints: the chief writes model_dir/checkpoints; other workers write throwaway copies (every
    # worker must take part in saving distributed variables).
    checkpoint = tf.train.Checkpoint(model=model, optimizer=opt, step=global_step)
    checkpoint_dir = os.path.join(model_dir, CHECKPOINT_SUBDIR)
    write_dir = checkpoint_dir if chief else os.path.join(
        model_dir, WORKER_TMP, strategy_lib.worker_id(strategy))
    manager = tf.train.CheckpointManager(checkpoint, write_dir, max_to_keep=keep_checkpoint_max if chief else 1)
    latest = tf.train.latest_checkpoint(checkpoint_dir)
    run_config_path = os.path.join(model_dir, RUN_CONFIG_NAME)
    log = _MetricsLog(os.path.join(model_dir, METRICS_NAME) if chief else None)
    if latest:
        checkpoint.restore(latest).assert_existing_objects_matched()
        logger.info("Restored %s (step %d)", latest, int(global_step.numpy()))
    elif init_checkpoint:
        source = TFAlbertForPreTraining.from_pretrained(os.fspath(init_checkpoint), config=config)
        _copy_weights(source, model)
        del source
    restored_step = int(global_step.numpy())
    if chief:
        tf.io.gfile.makedirs(model_dir)
        _write_text(run_config_path, json.dumps(settings, indent=2, sort_keys=True, default=str) + "\n")
        log.write(event="restored" if latest else "start", step=restored_step,
                  checkpoint=latest or None, init_checkpoint=os.fspath(init_checkpoint) if init_checkpoint else None)

    per_pipeline = pretraining_input.examples_per_pipeline(global_batch_size, num_pipelines)

    def dataset_fn(context: tf.distribute.InputContext):
        return pretraining_input.pretraining_dataset(
            files, context.get_per_replica_batch_size(global_batch_size), input_context=context, is_training=True,
            seed=seed, shuffle_buffer_size=shuffle_buffer_size, skip_examples=restored_step * per_pipeline,
            dynamic_masking=dynamic_masking, vocab_size=config.vocab_size,
            max_seq_length=max_seq_length, max_predictions_per_seq=max_predictions)

    iterator = iter(strategy.distribute_datasets_from_function(dataset_fn))
    train_writer = summary_writer(os.path.join(model_dir, TRAIN_LOG_SUBDIR)) if chief else \
        tf.summary.create_noop_writer()
    eval_writer = summary_writer(os.path.join(model_dir, EVAL_LOG_SUBDIR)) if (chief and eval_files) else \
        tf.summary.create_noop_writer()
    if chief and progress_bar:
        print(tensorboard_hint(model_dir), flush=True)
    progbar = keras.utils.Progbar(num_train_steps, stateful_metrics=list(metrics_from_sums(
        dict.fromkeys(_SUM_KEYS, 1.0)))) if (chief and progress_bar) else None
    if progbar is not None and restored_step:
        progbar.update(restored_step)

    def save(step: int) -> None:
        manager.save(checkpoint_number=step)
        if not chief:
            _remove_tree(write_dir)
        log.write(event="checkpoint", step=step)

    step = restored_step
    end_step = num_train_steps if stop_after_steps is None else min(num_train_steps, step + stop_after_steps)
    sums = dict.fromkeys(_SUM_KEYS, 0.0)
    interval_start, interval_step = time.time(), step
    last_metrics: dict = {}
    eval_metrics = None
    examples_trained, train_seconds = 0, 0.0  # this call's throughput, tracing included
    while step < end_step:
        boundaries = [end_step, _next_multiple(step, save_checkpoints_steps), _next_multiple(step, log_every_steps)]
        if eval_files and eval_every_steps:
            boundaries.append(_next_multiple(step, eval_every_steps))
        count = min([step + steps_per_execution] + boundaries) - step
        t0 = time.time()
        totals = step_fn.train(iterator, tf.constant(count, tf.int32))
        totals = {k: float(v) for k, v in totals.items()}
        examples_trained += count * global_batch_size
        train_seconds += time.time() - t0
        step += count
        for key in _SUM_KEYS:
            sums[key] += totals[key]
        if progbar is not None:
            progbar.update(step, values=list(metrics_from_sums(totals).items()))
        if step % log_every_steps == 0 or step == end_step:
            elapsed = max(time.time() - interval_start, 1e-9)
            last_metrics = metrics_from_sums(sums)
            last_metrics["learning_rate"] = float(opt.learning_rate)
            last_metrics["examples_per_second"] = (step - interval_step) * global_batch_size / elapsed
            if not all(np.isfinite(v) for v in last_metrics.values()):
                raise FloatingPointError(f"non-finite training metrics at step {step}: {last_metrics}")
            write_scalars(train_writer, step, last_metrics)
            log.write(step=step, **last_metrics)
            sums = dict.fromkeys(_SUM_KEYS, 0.0)
            interval_start, interval_step = time.time(), step
        if step % save_checkpoints_steps == 0 or step == end_step:
            save(step)
        if eval_files and eval_every_steps and step % eval_every_steps == 0 and step != num_train_steps:
            eval_metrics = evaluate_pretraining(step_fn, eval_files, global_batch_size, eval_steps)
            write_scalars(eval_writer, step, eval_metrics)
            log.write(step=step, split="eval", **eval_metrics)

    if step >= num_train_steps and eval_files:
        eval_metrics = evaluate_pretraining(step_fn, eval_files, global_batch_size, eval_steps)
        eval_metrics.update(majority_baselines(eval_files))
        write_scalars(eval_writer, step, eval_metrics)
        log.write(step=step, split="eval", **eval_metrics)
    exported = None
    if step >= num_train_steps:
        exported = os.fspath(export_dir) if export_dir else os.path.join(model_dir, DEFAULT_EXPORT_SUBDIR)
        if chief:
            export_pretrained(model, exported, tok)
            log.write(event="exported", step=step, export_dir=exported)
    if not chief:
        _remove_tree(os.path.join(model_dir, WORKER_TMP))
    train_writer.close()
    eval_writer.close()
    logger.info("Pretraining stopped at step %d after %.1fs", step, time.time() - started)
    throughput = examples_trained / train_seconds if train_seconds else 0.0
    return PretrainResult(model_dir=model_dir, export_dir=exported, global_step=step,
                          steps_this_run=step - restored_step, restored_step=restored_step, metrics=last_metrics,
                          eval_metrics=eval_metrics, examples_per_second=throughput)


def _next_multiple(step: int, every: int) -> int:
    return (step // every + 1) * every

# The names this module has always offered; the step, the evaluation and the run directory helpers now live
# in albert_tf.pretraining.step, .evaluation and .run_dir (tests and user code import some of them from here).
__all__ = ["MIXED_PRECISION", "RUN_OUTPUTS", "PretrainResult", "PretrainingStep", "evaluate_pretrained",
           "evaluate_pretraining", "export_pretrained", "majority_baselines", "metrics_from_sums",
           "prepare_model_dir", "pretrain", "pretraining_logits", "pretraining_sums", "resolve_model_config"]

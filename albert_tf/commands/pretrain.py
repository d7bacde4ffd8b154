"""`albert-tf pretrain`: ALBERT MLM + SOP pretraining on tf.distribute (CPU, GPUs, multi-worker, TPU).

Restarting the same command resumes from the latest checkpoint in --model_dir and finishes at the same step.

Examples:
    $ albert-tf pretrain --model_config=albert-base-v2 \\
        --config_overrides=hidden_size=256,num_attention_heads=4,intermediate_size=1024,num_hidden_layers=4 \\
        --train_files='/tmp/data/wiki-*.tfrecord' --tokenizer=/tmp/spm --model_dir=/tmp/run \\
        --global_batch_size=64 --num_train_steps=3000 --warmup_steps=300 --learning_rate=1e-3
    # each worker, with its own TF_CONFIG task index:
    $ TF_CONFIG='{"cluster": {"worker": ["host1:2222", "host2:2222"]}, "task": {"type": "worker", "index": 0}}' \\
        albert-tf pretrain --strategy=multi_worker --model_dir=gs://bucket/run ...
    $ albert-tf pretrain --strategy=tpu --tpu=my-tpu --mixed_precision=bfloat16 --steps_per_execution=200 \\
        --train_files='gs://bucket/data/wiki-*.tfrecord' --model_dir=gs://bucket/run ...
"""

import json

from absl import flags

from albert_tf.commands import reject_positional

FLAGS = flags.FLAGS
flags.DEFINE_string("model_config", None, "Preset name (albert-base-v2, ...), config.json, or a model directory.")
flags.DEFINE_list("config_overrides", [], "Config fields to change, key=value,... e.g. "
                  "hidden_size=256,num_attention_heads=4,intermediate_size=1024,num_hidden_layers=4.")
flags.DEFINE_string("train_files", None, "Glob(s), comma-separated, of records from create-pretraining-data.")
flags.DEFINE_enum("strategy", "default", ["default", "one_device", "mirrored", "multi_worker", "tpu"],
                  "tf.distribute strategy. multi_worker reads TF_CONFIG.")
flags.DEFINE_string("tpu", None, "TPU name, grpc://host:8470, or 'local' on a TPU VM (with --strategy=tpu).")
flags.DEFINE_integer("global_batch_size", 32, "Examples per step over all replicas.")
flags.DEFINE_integer("num_train_steps", 1000, "Total training steps (a resumed run ends here too).")
flags.DEFINE_integer("warmup_steps", None, "Linear warmup steps (default: 10% of num_train_steps).")
flags.DEFINE_float("learning_rate", 1e-3, "Peak learning rate (ALBERT: 0.00176 for batch 4096 with LAMB).")
flags.DEFINE_enum("optimizer", "lamb", ["lamb", "adamw"], "keras.optimizers.Lamb or AdamW.")
flags.DEFINE_float("weight_decay", 0.01, "Decoupled weight decay (not on LayerNorm weights and biases).")
flags.DEFINE_float("clip_norm", 1.0, "Global-norm gradient clipping (0 disables).")
flags.DEFINE_enum("mixed_precision", "none", ["none", "float16", "bfloat16"],
                  "Compute dtype: float16 (GPUs; with loss scaling) or bfloat16 (TPUs, recent CPUs/GPUs).")
flags.DEFINE_bool("jit_compile", False, "XLA-compile the forward/backward pass.")
flags.DEFINE_integer("steps_per_execution", 1, "Training steps per tf.function call.")
flags.DEFINE_string("model_dir", None, "Checkpoints, TensorBoard logs, metrics.jsonl and the final model.")
flags.DEFINE_string("init_checkpoint", None, "Start from these weights (HF or TF1 ALBERT directory).")
flags.DEFINE_integer("save_checkpoints_steps", 1000, "Checkpoint every N steps.")
flags.DEFINE_integer("keep_checkpoint_max", 5, "Checkpoints kept.")
flags.DEFINE_integer("log_every_steps", 100, "TensorBoard / metrics.jsonl interval.")
flags.DEFINE_integer("seed", 0, "Seed for initialisation, shuffling and dynamic masks.")
flags.DEFINE_bool("dynamic_masking", False, "Draw fresh masks in graph for every batch instead of the stored ones.")
flags.DEFINE_integer("shuffle_buffer_size", 10000, "Records in the shuffle buffer.")
flags.DEFINE_string("eval_files", None, "Held-out records: MLM/SOP loss and accuracy at the end (and periodically).")
flags.DEFINE_integer("eval_steps", None, "Cap on evaluation batches.")
flags.DEFINE_integer("eval_every_steps", 0, "Evaluate every N steps (0: only at the end).")
flags.DEFINE_string("tokenizer", None, "Tokenizer directory (or spiece.model): sets vocab_size and is copied next to "
                    "the final model.")
flags.DEFINE_alias("spm_model_file", "tokenizer")
flags.DEFINE_string("export_dir", None, "Where the final model goes (default: MODEL_DIR/pretrained).")
flags.DEFINE_bool("progress_bar", True, "Show a progress bar.")
flags.DEFINE_bool("overwrite_output_dir", False, "Start over in a --model_dir that holds another run (its "
                  "checkpoints, logs and export are removed first). Without it the same run resumes and a "
                  "different one is refused, naming the changed settings.")
flags.mark_flags_as_required(["model_config", "train_files", "model_dir"])


def main(argv):
    reject_positional(argv)
    import logging

    from albert_tf.training import strategy as strategy_lib

    logging.getLogger("albert_tf").setLevel(logging.INFO)
    # tf.distribute logs every collective it builds at INFO; keep the console to our progress and errors.
    logging.getLogger("tensorflow").setLevel(logging.WARNING)
    mixed_precision = None if FLAGS.mixed_precision == "none" else FLAGS.mixed_precision
    # Validate before anything touches a device: MultiWorkerMirroredStrategy must come first.
    strategy_lib.validate_strategy_flags(FLAGS.strategy, tpu=FLAGS.tpu, mixed_precision=mixed_precision)
    strategy = strategy_lib.make_strategy(FLAGS.strategy, tpu=FLAGS.tpu)

    from albert_tf.pretraining.trainer import pretrain

    result = pretrain(
        FLAGS.model_config, FLAGS.train_files, FLAGS.model_dir, config_overrides=FLAGS.config_overrides,
        strategy=strategy, global_batch_size=FLAGS.global_batch_size, num_train_steps=FLAGS.num_train_steps,
        warmup_steps=FLAGS.warmup_steps, learning_rate=FLAGS.learning_rate, optimizer=FLAGS.optimizer,
        weight_decay=FLAGS.weight_decay, clip_norm=FLAGS.clip_norm, mixed_precision=mixed_precision,
        jit_compile=FLAGS.jit_compile, steps_per_execution=FLAGS.steps_per_execution,
        init_checkpoint=FLAGS.init_checkpoint, save_checkpoints_steps=FLAGS.save_checkpoints_steps,
        keep_checkpoint_max=FLAGS.keep_checkpoint_max, log_every_steps=FLAGS.log_every_steps, seed=FLAGS.seed,
        dynamic_masking=FLAGS.dynamic_masking, shuffle_buffer_size=FLAGS.shuffle_buffer_size,
        eval_files=FLAGS.eval_files, eval_steps=FLAGS.eval_steps, eval_every_steps=FLAGS.eval_every_steps,
        tokenizer=FLAGS.tokenizer, export_dir=FLAGS.export_dir, progress_bar=FLAGS.progress_bar,
        overwrite_output_dir=FLAGS.overwrite_output_dir,
    )
    summary = {"global_step": result.global_step, "restored_step": result.restored_step,
               "export_dir": result.export_dir, "metrics": result.metrics, "eval_metrics": result.eval_metrics}
    print(json.dumps(summary, indent=2, sort_keys=True))

"""Subprocess helper: the same pretraining run on one device and on MirroredStrategy over 2 logical CPUs.

Logical devices must be configured before TensorFlow initialises its runtime, hence a fresh process.
Usage: python -m tests.pretraining.mirrored_vs_single RECORDS_GLOB TOKENIZER_DIR OUT_DIR CONFIG_JSON
"""

import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from albert_tf.pretraining import pretrain  # noqa: E402


def main(records, tokenizer, out_dir, config_json):
    overrides = json.loads(config_json)
    common = dict(config_overrides=overrides, tokenizer=tokenizer, global_batch_size=8, num_train_steps=12,
                  warmup_steps=2, learning_rate=1e-2, save_checkpoints_steps=12, log_every_steps=1, seed=7,
                  progress_bar=False, shuffle_buffer_size=100)
    single = pretrain("albert-base-v2", records, os.path.join(out_dir, "single"), strategy="default", **common)
    mirrored_strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    mirrored = pretrain("albert-base-v2", records, os.path.join(out_dir, "mirrored"), strategy=mirrored_strategy,
                        **common)
    print(json.dumps({"replicas": mirrored_strategy.num_replicas_in_sync,
                      "single": single.export_dir, "mirrored": mirrored.export_dir}))


if __name__ == "__main__":
    main(*sys.argv[1:5])

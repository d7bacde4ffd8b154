"""Pretraining throughput: albert-tf's training step vs keras-hub AlbertMaskedLM vs HF TFAlbertForPreTraining.

One run prints one table. Every contender trains the same small ALBERT on the same synthetic batches
(batch 32, seq 128, 20 masked positions, vocab 30000, E 128, H 256, 4 layers, 4 heads, FFN 1024) with
AdamW, in its own subprocess (fresh TensorFlow; HF needs tf-keras, the others Keras 3). Each contender
runs warm-up steps (tracing, XLA compilation), then ``--rounds`` timed windows of ``--steps`` steps; the
best window counts, which filters out noise from other processes on a shared machine.

- albert-tf: ``albert_tf.pretraining.PretrainingStep`` (the step ``albert-tf pretrain`` runs), MLM + SOP,
  with and without XLA (``jit_compile``).
- keras-hub: ``AlbertMaskedLM.fit`` (XLA on, Keras 3's default). It has no SOP head: MLM only.
- HF: ``transformers.TFAlbertForPreTraining.fit`` with HF's built-in MLM + SOP loss (labels over the whole
  sequence, -100 where nothing is predicted, as HF's data collators produce).

Usage:
    python bench/pretrain.py [--steps 10] [--rounds 3] [--batch 32] [--seq 128]
"""

from __future__ import annotations

import os
import sys

# bench/ holds a tokenize.py that would shadow the standard library's module for scripts run from here.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

CONFIG = dict(vocab_size=30000, embedding_size=128, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
              intermediate_size=1024, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
              classifier_dropout_prob=0.0, max_position_embeddings=512)
CONTENDERS = ("albert_tf", "albert_tf_xla", "keras_hub", "hf")
LABELS = {"albert_tf": "albert-tf step (no XLA)", "albert_tf_xla": "albert-tf step (XLA)",
          "keras_hub": "keras-hub AlbertMaskedLM.fit (MLM only, XLA)", "hf": "HF TFAlbertForPreTraining.fit"}


def synthetic_batch(batch: int, seq: int, predictions: int, vocab: int, seed: int = 0) -> dict:
    """Padded pairs with masked positions, like albert-tf's records; the same for every contender."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = rng.integers(5, vocab, size=(batch, seq)).astype("int32")
    lengths = rng.integers(seq // 2, seq + 1, size=batch)
    mask = (np.arange(seq)[None, :] < lengths[:, None]).astype("int32")
    segments = ((np.arange(seq)[None, :] >= (lengths // 2)[:, None]) & (mask > 0)).astype("int32")
    ids = ids * mask
    ids[:, 0] = 2
    positions = np.sort(np.stack([rng.choice(np.arange(1, n - 1), predictions, replace=False) for n in lengths]), 1)
    labels = np.take_along_axis(ids, positions, 1)
    masked_ids = ids.copy()
    np.put_along_axis(masked_ids, positions, 4, 1)
    return {"input_ids": masked_ids, "input_mask": mask, "segment_ids": segments,
            "masked_lm_positions": positions.astype("int32"), "masked_lm_ids": labels.astype("int32"),
            "masked_lm_weights": np.ones((batch, predictions), "float32"),
            "sentence_order_label": rng.integers(0, 2, size=batch).astype("int32")}


def _timed(run_steps, steps: int, rounds: int, warmup: int) -> float:
    run_steps(warmup)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run_steps(steps)
        best = min(best, time.perf_counter() - start)
    return best


def run_albert_tf(args, jit: bool) -> float:
    import keras
    import tensorflow as tf

    from albert_tf import AlbertConfig, TFAlbertForPreTraining
    from albert_tf.pretraining import PretrainingStep, create_optimizer

    batch = synthetic_batch(args.batch, args.seq, args.predictions, CONFIG["vocab_size"])
    strategy = tf.distribute.get_strategy()
    keras.utils.set_random_seed(0)
    model = TFAlbertForPreTraining(AlbertConfig(**CONFIG))
    optimizer = create_optimizer(model, learning_rate=1e-4, num_train_steps=10_000, warmup_steps=0,
                                 optimizer="adamw")
    optimizer.build(model.trainable_variables)
    step = tf.Variable(0, dtype=tf.int64)
    trainer = PretrainingStep(model, optimizer, strategy, args.batch, step, jit_compile=jit)
    iterator = iter(tf.data.Dataset.from_tensors(batch).repeat())

    def run_steps(n):
        # One step per call, like Keras fit's default steps_per_execution=1.
        for _ in range(n):
            totals = trainer.train(iterator, tf.constant(1))
        float(totals["examples"])

    return args.batch * args.steps / _timed(run_steps, args.steps, args.rounds, args.warmup)


def run_keras_hub(args) -> float:
    import keras
    import keras_hub
    import tensorflow as tf

    batch = synthetic_batch(args.batch, args.seq, args.predictions, CONFIG["vocab_size"])
    keras.utils.set_random_seed(0)
    backbone = keras_hub.models.AlbertBackbone(
        vocabulary_size=CONFIG["vocab_size"], num_layers=CONFIG["num_hidden_layers"],
        num_heads=CONFIG["num_attention_heads"], embedding_dim=CONFIG["embedding_size"],
        hidden_dim=CONFIG["hidden_size"], intermediate_dim=CONFIG["intermediate_size"], dropout=0.0,
        max_sequence_length=CONFIG["max_position_embeddings"])
    model = keras_hub.models.AlbertMaskedLM(backbone, preprocessor=None)
    model.compile(optimizer=keras.optimizers.AdamW(1e-4, weight_decay=0.01, global_clipnorm=1.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), weighted_metrics=[])
    x = {"token_ids": batch["input_ids"], "segment_ids": batch["segment_ids"],
         "padding_mask": batch["input_mask"].astype(bool), "mask_positions": batch["masked_lm_positions"]}
    dataset = tf.data.Dataset.from_tensors((x, batch["masked_lm_ids"], batch["masked_lm_weights"])).repeat()

    def run_steps(n):
        model.fit(dataset, steps_per_epoch=n, epochs=1, verbose=0)

    return args.batch * args.steps / _timed(run_steps, args.steps, args.rounds, args.warmup)


def run_hf(args) -> float:
    import numpy as np
    import tensorflow as tf
    import tf_keras
    import transformers

    batch = synthetic_batch(args.batch, args.seq, args.predictions, CONFIG["vocab_size"])
    tf.random.set_seed(0)
    model = transformers.TFAlbertForPreTraining(transformers.AlbertConfig(**CONFIG))
    labels = np.full_like(batch["input_ids"], -100)
    original = batch["input_ids"].copy()
    np.put_along_axis(original, batch["masked_lm_positions"], batch["masked_lm_ids"], 1)
    np.put_along_axis(labels, batch["masked_lm_positions"], batch["masked_lm_ids"], 1)
    features = {"input_ids": batch["input_ids"], "attention_mask": batch["input_mask"],
                "token_type_ids": batch["segment_ids"], "labels": labels,
                "sentence_order_label": batch["sentence_order_label"]}
    model.compile(optimizer=tf_keras.optimizers.AdamW(1e-4, weight_decay=0.01, global_clipnorm=1.0))
    dataset = tf.data.Dataset.from_tensors(features).repeat()

    def run_steps(n):
        model.fit(dataset, steps_per_epoch=n, epochs=1, verbose=0)

    return args.batch * args.steps / _timed(run_steps, args.steps, args.rounds, args.warmup)


def worker(args) -> None:
    runners = {"albert_tf": lambda: run_albert_tf(args, jit=False), "albert_tf_xla": lambda: run_albert_tf(args, True),
               "keras_hub": lambda: run_keras_hub(args), "hf": lambda: run_hf(args)}
    print(json.dumps({"contender": args.worker, "examples_per_second": runners[args.worker]()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="steps per timed window")
    parser.add_argument("--rounds", type=int, default=3, help="timed windows; the best counts")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (tracing, compilation)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--predictions", type=int, default=20)
    parser.add_argument("--only", default=",".join(CONTENDERS), help="comma-separated subset of contenders")
    parser.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2", HF_HUB_OFFLINE="1",
               PYTHONPATH=os.pathsep.join(filter(None, [os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                        os.environ.get("PYTHONPATH")])))
    results = {}
    for contender in args.only.split(","):
        # -P: do not put bench/ on the worker's sys.path (see the note at the top).
        command = [sys.executable, "-P", os.path.abspath(__file__), "--worker", contender] + [
            f"--{k}={getattr(args, k)}" for k in ("steps", "rounds", "warmup", "batch", "seq", "predictions")]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{contender} failed:\n{done.stderr[-3000:]}", file=sys.stderr)
            continue
        results[contender] = json.loads(done.stdout.strip().splitlines()[-1])["examples_per_second"]
        print(f"  {LABELS[contender]}: {results[contender]:.1f} examples/s", file=sys.stderr)

    print(f"\nALBERT pretraining throughput: batch {args.batch}, seq {args.seq}, {args.predictions} predictions, "
          f"E{CONFIG['embedding_size']}/H{CONFIG['hidden_size']}/L{CONFIG['num_hidden_layers']}, "
          f"vocab {CONFIG['vocab_size']}, AdamW; best of {args.rounds} x {args.steps} steps\n")
    header = f"| {'contender':<46} | {'examples/s':>10} | {'vs keras-hub':>12} | {'vs HF':>7} |"
    print(header)
    print("|" + "-" * 48 + "|" + "-" * 12 + ":|" + "-" * 13 + ":|" + "-" * 8 + ":|")
    for contender, value in results.items():
        vs_hub = f"{value / results['keras_hub']:.2f}x" if "keras_hub" in results else "n/a"
        vs_hf = f"{value / results['hf']:.2f}x" if "hf" in results else "n/a"
        print(f"| {LABELS[contender]:<46} | {value:>10.1f} | {vs_hub:>12} | {vs_hf:>7} |")


if __name__ == "__main__":
    main()

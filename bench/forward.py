"""ALBERT-base forward throughput: albert-tf vs keras-hub's AlbertBackbone vs Hugging Face's TFAlbertModel.

albert-tf also gets a JAX row (`albert-tf-jax`: the same model on KERAS_BACKEND=jax, `jax.jit` of its
`stateless_call`, i.e. XLA), so one script times the backends on the same machine, a GPU one included.
Keras fixes its backend per process, so that row runs in a child process that this one drives batch by
batch over a pipe: the round-robin below still interleaves it with the TensorFlow rows.

One run prints one table: for each implementation, with and without XLA (`tf.function(jit_compile=...)`),
seconds per batch (median of the timed batches after warmup), sequences/s, the fraction of this machine's
fp32 matmul (sgemm) peak reached, and the throughput ratio against the best peer (keras-hub or HF).

All models have the albert-base-v2 shape (V=30000, E=128, H=768, 12 heads, I=3072, 12 layer applications
of one shared layer), fp32, random weights, dropout off, inputs with a full attention mask. They run in one
process, so they share one TF threading setup, and the timed batches are taken round-robin (one batch of
each implementation in turn) so that load from other processes spreads over all of them alike.

FLOPs are counted analytically (a multiply-add is 2 FLOPs; gathers, LayerNorm, softmax and GELU are not
counted): the E->H embedding projection, per layer the Q/K/V and output projections, the QK^T and
probabilities x V matmuls and the two FFN matmuls, and the pooler.

Usage:
    python bench/forward.py                  # 32 x 128: 1 untimed + 5 timed batches each (a few minutes)
    python bench/forward.py --quick          # 2 x 32, 1 timed batch: a smoke test of the whole script
    python bench/forward.py --impls albert-tf,keras-hub --xla on --repeats 9 --threads 2
"""

from __future__ import annotations

import os
import sys

# Python puts this script's directory first on sys.path, where a sibling bench script (bench/tokenize.py)
# would shadow the standard library module of the same name; import from the repository root instead.
_BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != _BENCH_DIR]
sys.path.insert(0, os.path.dirname(_BENCH_DIR))

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Callable  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

# albert-base-v2 (HF config.json of the released checkpoint; keras-hub's albert_base_en_uncased preset).
BASE_SHAPE = dict(
    vocab_size=30000, embedding_size=128, hidden_size=768, num_layers=12, num_heads=12,
    intermediate_size=3072, max_positions=512,
)
IMPLEMENTATIONS = ("albert-tf", "albert-tf-jax", "keras-hub", "hf-transformers")
# Implementations that exist only compiled (JAX is always XLA): their row is the xla=on one.
XLA_ONLY = ("albert-tf-jax",)
PEERS = ("keras-hub", "hf-transformers")


def forward_flops(batch: int, seq: int, shape: dict = BASE_SHAPE) -> float:
    """Matmul FLOPs of one ALBERT forward pass (encoder + pooler) on a [batch, seq] input.

    Example:
        >>> round(forward_flops(1, 128) / 1e9, 2)
        22.37
    """
    e, h, i, layers = shape["embedding_size"], shape["hidden_size"], shape["intermediate_size"], shape["num_layers"]
    tokens = batch * seq
    embedding_projection = 2 * tokens * e * h
    qkv_and_output_projections = 4 * (2 * tokens * h * h)
    attention_matmuls = 2 * (2 * batch * seq * seq * h)  # QK^T and probabilities x V, summed over heads
    ffn = 2 * (2 * tokens * h * i)
    pooler = 2 * batch * h * h
    return float(embedding_projection + layers * (qkv_and_output_projections + attention_matmuls + ffn) + pooler)


def time_call(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of one call, including the copy of its outputs to host memory.

    CPU seconds (all threads of this process) are reported next to wall time because they barely move when
    other processes compete for the cores, while wall time does.
    """
    start, cpu_start = time.perf_counter(), time.process_time()
    outputs = fn()
    if isinstance(outputs, _ChildTiming):  # timed where it ran, in the JAX child process
        return outputs
    for value in outputs:
        value.numpy()
    return time.perf_counter() - start, time.process_time() - cpu_start


def sgemm_peak(tf, sizes: tuple[int, ...], runs: int) -> dict[bool, float]:
    """Best GFLOP/s of square fp32 matmuls in a tf.function, over `sizes` and `runs`, without and with XLA.

    The best run, not the median: a peak is what the cores can do when nothing else takes them.
    """
    peaks = {}
    for xla in (False, True):
        matmul = tf.function(lambda x, y: (tf.matmul(x, y),), jit_compile=xla)
        best = 0.0
        for size in sizes:
            a = tf.random.stateless_normal((size, size), seed=(1, 2))
            b = tf.random.stateless_normal((size, size), seed=(3, 4))
            time_call(lambda: matmul(a, b))  # trace and compile
            fastest = min(time_call(lambda: matmul(a, b))[0] for _ in range(runs))
            best = max(best, 2.0 * size**3 / fastest / 1e9)
        peaks[xla] = best
    return peaks


def random_inputs(np, batch: int, seq: int, vocab_size: int) -> dict:
    rng = np.random.default_rng(0)
    ids = rng.integers(5, vocab_size, size=(batch, seq)).astype("int32")
    ids[:, 0], ids[:, -1] = 2, 3  # [CLS] ... [SEP], as a tokenizer would emit
    segments = np.zeros((batch, seq), "int32")
    segments[:, seq // 2:] = 1
    return {"input_ids": ids, "attention_mask": np.ones((batch, seq), "int32"), "token_type_ids": segments}


def build_albert_tf(tf, inputs: dict, xla: bool):
    from albert_tf import AlbertConfig, TFAlbertModel

    model = TFAlbertModel(AlbertConfig.from_preset("albert-base-v2"))
    feed = {k: tf.constant(v) for k, v in inputs.items()}

    @tf.function(jit_compile=xla)
    def forward(features):
        out = model(**features, training=False)
        return out.last_hidden_state, out.pooler_output

    return lambda: forward(feed)


def build_keras_hub(tf, inputs: dict, xla: bool):
    import keras_hub

    s = BASE_SHAPE
    backbone = keras_hub.models.AlbertBackbone(
        vocabulary_size=s["vocab_size"], num_layers=s["num_layers"], num_heads=s["num_heads"], num_groups=1,
        num_inner_repetitions=1, embedding_dim=s["embedding_size"], hidden_dim=s["hidden_size"],
        intermediate_dim=s["intermediate_size"], max_sequence_length=s["max_positions"],
    )
    feed = {
        "token_ids": tf.constant(inputs["input_ids"]),
        "segment_ids": tf.constant(inputs["token_type_ids"]),
        "padding_mask": tf.constant(inputs["attention_mask"]),
    }

    @tf.function(jit_compile=xla)
    def forward(features):
        out = backbone(features, training=False)
        return out["sequence_output"], out["pooled_output"]

    return lambda: forward(feed)


def build_hf_transformers(tf, inputs: dict, xla: bool):
    import transformers

    transformers.logging.set_verbosity_error()
    s = BASE_SHAPE
    config = transformers.AlbertConfig(
        vocab_size=s["vocab_size"], embedding_size=s["embedding_size"], hidden_size=s["hidden_size"],
        num_hidden_layers=s["num_layers"], num_attention_heads=s["num_heads"],
        intermediate_size=s["intermediate_size"], max_position_embeddings=s["max_positions"],
        hidden_act="gelu_new", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    )
    model = transformers.TFAlbertModel(config)
    feed = {k: tf.constant(v) for k, v in inputs.items()}

    @tf.function(jit_compile=xla)
    def forward(features):
        out = model(**features, training=False)
        return out.last_hidden_state, out.pooler_output

    return lambda: forward(feed)


def build_albert_tf_jax(tf, inputs: dict, xla: bool):
    """Starts the JAX child process (this script with --jax_worker) and returns a call that runs one batch
    there; its outputs are (wall, cpu) of that batch as the child measured them."""
    import subprocess

    args = [sys.executable, os.path.abspath(__file__), "--jax_worker",
            "--batch", str(inputs["input_ids"].shape[0]), "--seq", str(inputs["input_ids"].shape[1])]
    child = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env=dict(os.environ, KERAS_BACKEND="jax"))
    _JAX_CHILDREN.append(child)

    def run_one():
        child.stdin.write("run\n")
        child.stdin.flush()
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the JAX worker exited (is jax installed? pip install -e '.[jax]')")
        wall, cpu, *shape = line.split()
        return _ChildTiming(float(wall), float(cpu), tuple(int(n) for n in shape))

    return run_one


class _ChildTiming(tuple):
    """A batch run in the child: (wall, cpu); `shape` is its last_hidden_state's shape."""

    def __new__(cls, wall, cpu, shape):
        timing = super().__new__(cls, (wall, cpu))
        timing.shape = shape
        return timing


_JAX_CHILDREN: list = []


def jax_worker(batch: int, seq: int) -> int:
    """The child's side: builds TFAlbertModel on JAX, then per "run" line times one jitted batch."""
    import jax
    import numpy as np

    from albert_tf import AlbertConfig, TFAlbertModel

    model = TFAlbertModel(AlbertConfig.from_preset("albert-base-v2"))
    feed = {k: jax.numpy.asarray(v) for k, v in random_inputs(np, batch, seq, BASE_SHAPE["vocab_size"]).items()}
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]

    @jax.jit
    def forward(features):
        out, _ = model.stateless_call(trainable, non_trainable, features, training=False)
        return out.last_hidden_state, out.pooler_output

    for line in sys.stdin:
        if line.strip() != "run":
            break
        start, cpu_start = time.perf_counter(), time.process_time()
        outputs = forward(feed)
        hidden = np.asarray(outputs[0])
        np.asarray(outputs[1])
        print(time.perf_counter() - start, time.process_time() - cpu_start, *hidden.shape, flush=True)
    return 0


BUILDERS = {
    "albert-tf": build_albert_tf,
    "albert-tf-jax": build_albert_tf_jax,
    "keras-hub": build_keras_hub,
    "hf-transformers": build_hf_transformers,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jax_worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: batch 2 x seq 32, 1 timed batch")
    parser.add_argument("--batch", type=int, default=None, help="sequences per batch (default 32; quick 2)")
    parser.add_argument("--seq", type=int, default=None, help="tokens per sequence (default 128; quick 32)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed batches per row, the first of which traces and compiles (at least 1)")
    parser.add_argument("--repeats", type=int, default=None, help="timed batches per row (default 5; quick 1)")
    parser.add_argument("--impls", default=",".join(IMPLEMENTATIONS),
                        help=f"comma-separated subset of {','.join(IMPLEMENTATIONS)}")
    parser.add_argument("--xla", choices=("both", "on", "off"), default="both")
    parser.add_argument("--threads", type=int, default=0,
                        help="TF intra-op and inter-op threads for every implementation (0: TF's default)")
    parser.add_argument("--sgemm_sizes", default=None,
                        help="comma-separated square matmul sizes for the sgemm peak "
                             "(default 1024,2048; quick 512,1024)")
    args = parser.parse_args(argv)
    args.batch = args.batch or (2 if args.quick else 32)
    args.seq = args.seq or (32 if args.quick else 128)
    args.repeats = args.repeats or (1 if args.quick else 5)
    sgemm_sizes = args.sgemm_sizes or ("512,1024" if args.quick else "1024,2048")
    args.sgemm_sizes = tuple(int(size) for size in sgemm_sizes.split(","))
    args.impls = [name.strip() for name in args.impls.split(",") if name.strip()]
    unknown = sorted(set(args.impls) - set(IMPLEMENTATIONS))
    if unknown:
        parser.error(f"unknown --impls {unknown}; choose from {', '.join(IMPLEMENTATIONS)}")
    if not 1 <= args.seq <= BASE_SHAPE["max_positions"]:
        parser.error(f"--seq must be in [1, {BASE_SHAPE['max_positions']}], got {args.seq}")
    if args.batch < 1 or args.repeats < 1 or args.warmup < 1:
        parser.error("--batch, --repeats and --warmup must be >= 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.jax_worker:
        return jax_worker(args.batch, args.seq)
    import numpy as np
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    xla_modes = {"both": (False, True), "on": (True,), "off": (False,)}[args.xla]
    print(f"tensorflow {tf.__version__}; cpus {os.cpu_count()}; threads intra/inter "
          f"{tf.config.threading.get_intra_op_parallelism_threads()}/"
          f"{tf.config.threading.get_inter_op_parallelism_threads()} (0 = TF default)", flush=True)

    peaks = sgemm_peak(tf, args.sgemm_sizes, runs=5 if args.quick else 10)
    peak = max(peaks.values())
    sizes = "/".join(str(size) for size in args.sgemm_sizes)
    print(f"sgemm peak (square fp32 matmul, n = {sizes}, best run): {peaks[False]:.1f} GFLOP/s without XLA, "
          f"{peaks[True]:.1f} GFLOP/s with XLA; reference peak {peak:.1f} GFLOP/s", flush=True)

    inputs = random_inputs(np, args.batch, args.seq, BASE_SHAPE["vocab_size"])
    flops = forward_flops(args.batch, args.seq)
    rows = [(impl, xla) for impl in args.impls for xla in xla_modes if xla or impl not in XLA_ONLY]
    calls, first_call = {}, {}
    for row in rows:
        impl, xla = row
        calls[row] = BUILDERS[impl](tf, inputs, xla)
        first_call[row] = time_call(calls[row])[0]  # trace (+ XLA compile) and one batch
        for _ in range(args.warmup - 1):
            time_call(calls[row])
        outputs = calls[row]()
        expected = (args.batch, args.seq, BASE_SHAPE["hidden_size"])
        shape = outputs.shape if isinstance(outputs, _ChildTiming) else tuple(outputs[0].shape)
        if tuple(shape) != expected:
            raise RuntimeError(f"{impl} returned shape {tuple(shape)}, expected {expected}")
        print(f"  ready: {impl:<16} xla={'on' if xla else 'off':<3} first call {first_call[row]:.1f} s", flush=True)

    timings = {row: [] for row in rows}
    for _ in range(args.repeats):
        for row in rows:  # round-robin, so outside load falls on every row alike
            timings[row].append(time_call(calls[row]))
    seconds = {row: statistics.median(wall for wall, _ in values) for row, values in timings.items()}
    cpu_seconds = {row: statistics.median(cpu for _, cpu in values) for row, values in timings.items()}

    peer_rows = [row for row in rows if row[0] in PEERS]
    best_peer = min(peer_rows, key=seconds.get) if peer_rows else None
    print()
    print(f"ALBERT-base forward, batch {args.batch} x seq {args.seq}, fp32, {flops / 1e9:.0f} GFLOP/batch; "
          f"median of {args.repeats} timed batches after {args.warmup} untimed; sgemm peak {peak:.1f} GFLOP/s")
    print()
    print("| impl | xla | s/batch | sequences/s | fraction of sgemm peak | vs best peer | cpu s/batch | first call s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        impl, xla = row
        s = seconds[row]
        vs_peer = f"{seconds[best_peer] / s:.2f}" if best_peer else "n/a"
        print(f"| {impl} | {'on' if xla else 'off'} | {s:.3f} | {args.batch / s:.2f} | "
              f"{flops / s / 1e9 / peak:.2f} | {vs_peer} | {cpu_seconds[row]:.2f} | {first_call[row]:.1f} |")
    if best_peer:
        print()
        print(f"best peer: {best_peer[0]} xla={'on' if best_peer[1] else 'off'} ({seconds[best_peer]:.3f} s/batch); "
              "'vs best peer' is its time divided by the row's time (> 1 means faster)")
        ours = [row for row in rows if row[0] == "albert-tf"]
        if ours:
            best_ours = min(ours, key=seconds.get)
            ratio = seconds[best_peer] / seconds[best_ours]
            print(f"albert-tf best (xla={'on' if best_ours[1] else 'off'}) vs best peer: {ratio:.2f} "
                  f"(goal >= 0.95: {'met' if ratio >= 0.95 else 'NOT met'})")
    for child in _JAX_CHILDREN:
        child.stdin.close()
        child.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())

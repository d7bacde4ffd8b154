"""Tokenization throughput on the bundled review snippets: the in-graph AlbertPreprocessor against plain
tensorflow-text SentencePiece (its floor: same kernel, no HF rules), raw ``sentencepiece``, HF fast and
HF slow, all on the same freshly trained spm model and measured in the same run.

The in-graph layer and its tensorflow-text floor are timed in alternating rounds (best round kept), so a
shared, noisy machine affects both alike; the ratio column is the number to compare across machines.
The load average is printed because absolute numbers on a busy machine mean little.

    $ python bench/tokenize.py [--batch_size 4096] [--vocab_size 8000] [--rounds 7]
"""

import os
import sys

# This file is named like the stdlib `tokenize` module; drop its own directory from the import path so
# `import tokenize` elsewhere (linecache, TF, transformers) still finds the stdlib module.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.modules.pop("tokenize", None)

import argparse  # noqa: E402
import csv  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

REPO = os.path.dirname(_HERE)


def _seconds(fn, lines):
    t0 = time.perf_counter()
    fn(lines)
    return time.perf_counter() - t0


def _best_rates(fns, lines, rounds):
    """lines/s per function: best of ``rounds`` rounds, the functions timed in turn within each round."""
    for fn in fns.values():
        fn(lines[:256])  # warm-up / tracing
        fn(lines)
    best = {name: float("inf") for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            best[name] = min(best[name], _seconds(fn, lines))
    return {name: len(lines) / seconds for name, seconds in best.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch_size", type=int, default=4096)
    parser.add_argument("--vocab_size", type=int, default=8000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    import sentencepiece as spm
    import tensorflow as tf
    import tensorflow_text as tf_text
    from transformers import AlbertTokenizer as HFSlow
    from transformers import AlbertTokenizerFast as HFFast

    from albert_tf.tokenization import AlbertPreprocessor, train_tokenizer

    with open(os.path.join(REPO, "data", "reviews.csv"), encoding="utf-8", newline="") as f:
        lines = [row["text"] for row in csv.DictReader(f)]
    model_dir = tempfile.mkdtemp()
    train_tokenizer([os.path.join(REPO, "data", "wiki_sample.txt"), os.path.join(REPO, "data", "reviews.csv")],
                    args.vocab_size, model_dir)
    load_before = os.getloadavg()

    spec = [tf.TensorSpec([None], tf.string)]
    pre = AlbertPreprocessor.from_pretrained(model_dir, max_length=512)
    layer = tf.function(lambda x: pre(x)["input_ids"], input_signature=spec)
    with open(os.path.join(model_dir, "spiece.model"), "rb") as f:
        plain_spm = tf_text.SentencepieceTokenizer(model=f.read(), out_type=tf.int32)
    floor = tf.function(lambda x: plain_spm.tokenize(x).flat_values, input_signature=spec)

    def in_graph(fn):
        def run(ls):
            for i in range(0, len(ls), args.batch_size):
                fn(tf.constant(ls[i:i + args.batch_size])).numpy()
        return run

    graph_rates = _best_rates({"layer": in_graph(layer), "floor": in_graph(floor)}, lines, args.rounds)
    slow = HFSlow.from_pretrained(model_dir)
    fast = HFFast.from_pretrained(model_dir, from_slow=True)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(model_dir, "spiece.model"))
    other_rates = _best_rates({
        "fast": lambda ls: fast(ls, truncation=True, max_length=512, padding=True),
        "raw": lambda ls: sp.encode(ls),
    }, lines, 3)
    other_rates.update(_best_rates(
        {"slow": lambda ls: slow(ls, truncation=True, max_length=512, padding=True)}, lines, 1))
    rows = [
        ("in-graph AlbertPreprocessor", graph_rates["layer"]),
        ("tf-text SentencePiece only", graph_rates["floor"]),
        ("raw sentencepiece encode", other_rates["raw"]),
        ("HF fast (AlbertTokenizerFast)", other_rates["fast"]),
        ("HF slow (AlbertTokenizer)", other_rates["slow"]),
    ]
    ref = rows[0][1]
    load_after = os.getloadavg()
    print(f"{len(lines)} review lines, batch {args.batch_size}, vocab {args.vocab_size}, {os.cpu_count()} CPUs, "
          f"load average {load_before[0]:.1f} before / {load_after[0]:.1f} after")
    print(f"{'tokenizer':32s} {'lines/s':>12s} {'in-graph / x':>14s}")
    for name, rate in rows:
        print(f"{name:32s} {rate:12,.0f} {ref / rate:14.2f}")


if __name__ == "__main__":
    main()

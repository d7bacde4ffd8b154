"""Tokenization throughput on the bundled review snippets: in-graph AlbertPreprocessor vs HF fast,
HF slow and raw SentencePiece, all on the same freshly trained spm model.

    $ python bench/tokenize.py [--batch_size 4096] [--vocab_size 8000]
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


def _rate(fn, lines, repeats=3):
    fn(lines[:256])  # warm-up / tracing
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(lines)
        best = min(best, time.perf_counter() - t0)
    return len(lines) / best


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch_size", type=int, default=4096)
    parser.add_argument("--vocab_size", type=int, default=8000)
    args = parser.parse_args()

    import sentencepiece as spm
    import tensorflow as tf
    from transformers import AlbertTokenizer as HFSlow
    from transformers import AlbertTokenizerFast as HFFast

    from albert_tf.tokenization import AlbertPreprocessor, train_tokenizer

    with open(os.path.join(REPO, "data", "reviews.csv"), encoding="utf-8", newline="") as f:
        lines = [row["text"] for row in csv.DictReader(f)]
    model_dir = tempfile.mkdtemp()
    train_tokenizer([os.path.join(REPO, "data", "wiki_sample.txt"), os.path.join(REPO, "data", "reviews.csv")],
                    args.vocab_size, model_dir)

    pre = AlbertPreprocessor.from_pretrained(model_dir, max_length=512)
    graph = tf.function(lambda x: pre(x), input_signature=[tf.TensorSpec([None], tf.string)])
    batches = lambda ls: [tf.constant(ls[i:i + args.batch_size]) for i in range(0, len(ls), args.batch_size)]

    def run_graph(ls):
        for b in batches(ls):
            graph(b)["input_ids"].numpy()

    slow = HFSlow.from_pretrained(model_dir)
    fast = HFFast.from_pretrained(model_dir, from_slow=True)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(model_dir, "spiece.model"))
    rows = [
        ("in-graph AlbertPreprocessor", _rate(run_graph, lines)),
        ("HF fast (AlbertTokenizerFast)", _rate(lambda ls: fast(ls, truncation=True, max_length=512, padding=True), lines)),
        ("HF slow (AlbertTokenizer)", _rate(lambda ls: slow(ls, truncation=True, max_length=512, padding=True), lines, 1)),
        ("raw sentencepiece encode", _rate(lambda ls: sp.encode(ls), lines)),
    ]
    ref = rows[0][1]
    print(f"{len(lines)} review lines, batch {args.batch_size}, vocab {args.vocab_size}, {os.cpu_count()} CPUs")
    print(f"{'tokenizer':32s} {'lines/s':>12s} {'in-graph / x':>14s}")
    for name, rate in rows:
        print(f"{name:32s} {rate:12,.0f} {ref / rate:14.2f}")


if __name__ == "__main__":
    main()

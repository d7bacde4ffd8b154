"""Text -> prediction throughput on the review snippets: our exported classifier vs keras-hub vs Hugging Face.

One run prints one table of texts/s and ratios. All three are albert-base shaped (V from the SentencePiece
model, E=128, H=768, 12 heads, I=3072, 12 layer applications of one shared layer), fp32, random weights,
no XLA, and all use one SentencePiece model trained here on the bundled text (data/wiki_sample.txt +
data/reviews.csv, vocab 30000 unless --vocab_size says otherwise):

* albert-tf: ``albert-tf export`` of TFAlbertForSequenceClassification, loaded back with
  ``tf.saved_model.load`` and called on raw strings (``serving_default``): in-graph SentencePiece, rows sorted
  by length and run in sub-batches; the encoder's projections run on the real tokens only.
* keras-hub: ``AlbertTextClassifier`` with its ``AlbertTextClassifierPreprocessor`` (sequence_length 128),
  ``classifier.predict(texts)``.
* hf-transformers: HF's tokenizer (``AlbertTokenizerFast`` from the same spiece.model, padding to 128) plus
  ``TFAlbertModel`` in a ``tf.function``.

Texts are processed in batches taken round-robin (one batch of each implementation in turn), so load from
other processes falls on all of them alike. The "compute limit" column is the fp32 sgemm peak measured here
divided by the matmul FLOPs of the unpadded texts: the throughput of a perfect implementation.

Usage:
    python bench/end_to_end.py                   # 256 texts, batches of 32 (several minutes)
    python bench/end_to_end.py --quick           # 16 texts, batches of 8, small vocab: a smoke test
    python bench/end_to_end.py --num_chunks 2 --pad_to_multiple_of 1 --impls albert-tf
"""

from __future__ import annotations

import os
import sys

# Import from the repository root, not this directory (bench/tokenize.py would shadow the stdlib module).
_BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(_BENCH_DIR)
sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != _BENCH_DIR]
sys.path.insert(0, _REPO)

import argparse  # noqa: E402
import csv  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

IMPLEMENTATIONS = ("albert-tf", "keras-hub", "hf-transformers")
PEERS = ("keras-hub", "hf-transformers")
PEER_SEQUENCE_LENGTH = 128


def read_reviews(count: int) -> list[str]:
    with open(os.path.join(_REPO, "data", "reviews.csv"), encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f) if row["text"].strip()]
    if count > len(texts):
        raise SystemExit(f"--num_texts {count} > {len(texts)} reviews in data/reviews.csv")
    return texts[:count]


def train_spm(work: str, vocab_size: int) -> str:
    from albert_tf.tokenization import train_tokenizer

    directory = os.path.join(work, "spm")
    sources = [os.path.join(_REPO, "data", "wiki_sample.txt"), os.path.join(_REPO, "data", "reviews.csv")]
    train_tokenizer(sources, vocab_size, directory)
    return directory


def base_config_kwargs(vocab_size: int) -> dict:
    from albert_tf import AlbertConfig

    config = AlbertConfig.from_preset("albert-base-v2")
    return dict(vocab_size=vocab_size, embedding_size=config.embedding_size, hidden_size=config.hidden_size,
                num_hidden_layers=config.num_hidden_layers, num_attention_heads=config.num_attention_heads,
                intermediate_size=config.intermediate_size, max_position_embeddings=config.max_position_embeddings)


def build_albert_tf(tf, spm_dir: str, work: str, args):
    from albert_tf import AlbertConfig, TFAlbertForSequenceClassification
    from albert_tf.export import export_saved_model
    from albert_tf.tokenization import AlbertTokenizer

    tokenizer = AlbertTokenizer.from_pretrained(spm_dir)
    model = TFAlbertForSequenceClassification(AlbertConfig(**base_config_kwargs(tokenizer.vocab_size), num_labels=2))
    given = {k: v for k, v in (("num_chunks", args.num_chunks), ("pad_to_multiple_of", args.pad_to_multiple_of))
             if v is not None}  # the export's defaults otherwise
    path = export_saved_model(model, tokenizer, os.path.join(work, "models", "reviews"), max_length=args.max_length,
                              **given)
    del model
    serving_default = tf.saved_model.load(path).signatures["serving_default"]
    return lambda texts: serving_default(text=tf.constant(texts))["probabilities"].numpy()


def build_keras_hub(tf, spm_dir: str, work: str, args):
    import keras_hub

    with open(os.path.join(spm_dir, "spiece.model"), "rb") as f:
        proto = f.read()
    tokenizer = keras_hub.models.AlbertTokenizer(proto=proto)
    kw = base_config_kwargs(tokenizer.vocabulary_size())
    backbone = keras_hub.models.AlbertBackbone(
        vocabulary_size=kw["vocab_size"], num_layers=kw["num_hidden_layers"], num_heads=kw["num_attention_heads"],
        embedding_dim=kw["embedding_size"], hidden_dim=kw["hidden_size"], intermediate_dim=kw["intermediate_size"],
        num_groups=1, num_inner_repetitions=1, max_sequence_length=kw["max_position_embeddings"])
    preprocessor = keras_hub.models.AlbertTextClassifierPreprocessor(tokenizer, sequence_length=PEER_SEQUENCE_LENGTH)
    classifier = keras_hub.models.AlbertTextClassifier(backbone, num_classes=2, preprocessor=preprocessor)
    return lambda texts: classifier.predict(texts, batch_size=len(texts), verbose=0)


def build_hf_transformers(tf, spm_dir: str, work: str, args):
    import transformers

    transformers.logging.set_verbosity_error()
    tokenizer = transformers.AlbertTokenizerFast(vocab_file=os.path.join(spm_dir, "spiece.model"))
    kw = base_config_kwargs(tokenizer.vocab_size)
    model = transformers.TFAlbertModel(transformers.AlbertConfig(
        **kw, hidden_act="gelu_new", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0))

    @tf.function
    def forward(features):
        return model(**features, training=False).pooler_output

    def run(texts):
        encoded = tokenizer(texts, padding="max_length", truncation=True, max_length=PEER_SEQUENCE_LENGTH,
                            return_tensors="tf")
        return forward(dict(encoded)).numpy()

    return run


BUILDERS = {"albert-tf": build_albert_tf, "keras-hub": build_keras_hub, "hf-transformers": build_hf_transformers}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: 16 texts, batches of 8, vocab 2000")
    parser.add_argument("--num_texts", type=int, default=None, help="review snippets to classify (default 256)")
    parser.add_argument("--batch_size", type=int, default=None, help="texts per request (default 32)")
    parser.add_argument("--vocab_size", type=int, default=None, help="SentencePiece vocabulary (default 30000)")
    parser.add_argument("--max_length", type=int, default=128, help="albert-tf truncation length")
    parser.add_argument("--num_chunks", type=int, default=None,
                        help="albert-tf length-sorted sub-batches (default: the export's)")
    parser.add_argument("--pad_to_multiple_of", type=int, default=None,
                        help="albert-tf sub-batch padding multiple (default: the export's)")
    parser.add_argument("--impls", default=",".join(IMPLEMENTATIONS))
    parser.add_argument("--threads", type=int, default=0, help="TF intra/inter-op threads (0: TF's default)")
    args = parser.parse_args(argv)
    args.num_texts = args.num_texts or (16 if args.quick else 256)
    args.batch_size = args.batch_size or (8 if args.quick else 32)
    args.vocab_size = args.vocab_size or (2000 if args.quick else 30000)
    args.impls = [name.strip() for name in args.impls.split(",") if name.strip()]
    unknown = sorted(set(args.impls) - set(IMPLEMENTATIONS))
    if unknown:
        parser.error(f"unknown --impls {unknown}; choose from {', '.join(IMPLEMENTATIONS)}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    import tensorflow as tf

    from bench.forward import forward_flops, sgemm_peak

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    texts = read_reviews(args.num_texts)
    batches = [texts[i:i + args.batch_size] for i in range(0, len(texts), args.batch_size)]
    work = tempfile.mkdtemp(prefix="albert_tf_end_to_end_")
    started = time.perf_counter()
    spm_dir = train_spm(work, args.vocab_size)
    print(f"tensorflow {tf.__version__}; cpus {os.cpu_count()}; SentencePiece vocab {args.vocab_size} trained in "
          f"{time.perf_counter() - started:.0f} s", flush=True)

    from albert_tf.tokenization import AlbertTokenizer

    lengths = [len(ids) for ids in AlbertTokenizer.from_pretrained(spm_dir)(texts, truncation=True,
                                                                           max_length=args.max_length)["input_ids"]]
    unpadded_flops = sum(forward_flops(1, n) for n in lengths)  # albert-base matmuls, no padding
    peak = sgemm_peak(tf, (1024, 2048), runs=5)[False]
    print(f"{len(texts)} texts, {sum(lengths) / len(lengths):.1f} tokens on average (max {max(lengths)}); "
          f"sgemm peak {peak:.0f} GFLOP/s", flush=True)

    calls = {}
    for impl in args.impls:
        started = time.perf_counter()
        calls[impl] = BUILDERS[impl](tf, spm_dir, work, args)
        out = calls[impl](batches[0])  # trace / compile, untimed
        if len(out) != len(batches[0]):
            raise RuntimeError(f"{impl} returned {len(out)} rows for {len(batches[0])} texts")
        print(f"  ready: {impl:<16} (build + first batch {time.perf_counter() - started:.0f} s)", flush=True)

    seconds = {impl: 0.0 for impl in args.impls}
    for batch in batches:
        for impl in args.impls:  # round-robin
            started = time.perf_counter()
            calls[impl](batch)
            seconds[impl] += time.perf_counter() - started

    rate = {impl: len(texts) / seconds[impl] for impl in args.impls}
    limit = len(texts) / (unpadded_flops / (peak * 1e9))
    print()
    print(f"Text -> prediction, {len(texts)} review snippets (data/reviews.csv), batches of {args.batch_size}, "
          f"albert-base shape, fp32, no XLA; compute limit {limit:.1f} texts/s (sgemm peak {peak:.0f} GFLOP/s "
          f"over the unpadded texts' FLOPs)")
    print()
    peers = [p for p in PEERS if p in rate]
    print("| impl | texts/s | fraction of compute limit | " + " | ".join(f"vs {p}" for p in peers) + " |")
    print("|---|---:|---:|" + "---:|" * len(peers))
    for impl in args.impls:
        ratios = " | ".join(f"{rate[impl] / rate[p]:.2f}x" for p in peers)
        print(f"| {impl} | {rate[impl]:.2f} | {rate[impl] / limit:.2f} | {ratios} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

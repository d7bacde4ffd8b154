"""Load time of a text-in export next to its `--ids_only` twin: server start -> AVAILABLE -> first answer.

One run prints one table. A small ALBERT classifier (random weights, `--hidden` wide, an 8000-piece
SentencePiece model trained on the bundled data) is exported twice with `albert_tf.export.export_saved_model`:
text-in (in-graph tokenizer: `serving_default` takes strings) and `ids_only` (token-id signatures only).
Each is served by `albert-tf serve` in a fresh process, with TF Serving's warmup replay on (the default)
and off (`--noenable_model_warmup`); the clock starts when the process is started and reads:

- **AVAILABLE**: when GetModelStatus first reports the version AVAILABLE (the port polled every 20 ms);
- **load + warmup**: the server's own figure for the version, from its log line "Successfully loaded servable
  version {...} in N s" (SavedModel load, then the warmup replay), as TF Serving logs its load and warmup times;
- **first answer**: when the first Predict (two short texts, or their ids) has returned;
- **first after AVAILABLE**: the difference, i.e. what the first real client waits beyond the load.

Process start-up (Python, the TensorFlow import, the server's set-up: AVAILABLE less load + warmup) is the same
for both exports and is printed apart. Goals (issue 12): the load + warmup of a small text-in export within 5 s
on a quiet machine, its AVAILABLE within 2x of its ids_only twin's, and the first request within 100 ms of
AVAILABLE. The rows take turns start by start, so a busy moment of the host slows all of them alike.

Usage:
    python bench/load_time.py                 # median of 3 starts per row, about 2 minutes on 2 cores
    python bench/load_time.py --repeats 1     # one start per row
"""

from __future__ import annotations

import os
import sys

_BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != _BENCH_DIR]
sys.path.insert(0, os.path.dirname(_BENCH_DIR))

import argparse  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from albert_tf.utils.net import free_port, is_listening  # noqa: E402

REPO = os.path.dirname(_BENCH_DIR)
DATA = os.path.join(REPO, "data")
MODEL_NAME = "albert"
TEXTS = ["A quiet, moving film.", "Dull and far too long."]
# ModelManager._load's log line (TF Serving's wording, plus the seconds).
LOADED = re.compile(r"Successfully loaded servable version \{name: \S+ version: \d+\} in ([0-9.]+)s")


def make_exports(work: str, hidden: int, layers: int, max_length: int):
    """(text-in base path, ids_only base path, tokenizer)."""
    import keras

    from albert_tf import AlbertConfig, TFAlbertForSequenceClassification
    from albert_tf.export import export_saved_model
    from albert_tf.tokenization import AlbertTokenizer, train_tokenizer

    spm = os.path.join(work, "spm")
    train_tokenizer([os.path.join(DATA, "reviews.csv"), os.path.join(DATA, "wiki_sample.txt")], 8000, spm)
    tokenizer = AlbertTokenizer.from_pretrained(spm)
    keras.utils.set_random_seed(0)
    model = TFAlbertForSequenceClassification(AlbertConfig(
        vocab_size=tokenizer.vocab_size, embedding_size=min(128, hidden), hidden_size=hidden,
        num_attention_heads=max(1, hidden // 64), intermediate_size=4 * hidden, num_hidden_layers=layers,
        max_position_embeddings=max_length, num_labels=2))
    bases = {}
    for kind, ids_only in (("text-in", False), ("ids_only", True)):
        bases[kind] = os.path.join(work, "models", kind)
        export_saved_model(model, tokenizer, bases[kind], task="sequence_classification", ids_only=ids_only,
                           verify_warmup=False)
    return bases, tokenizer


def time_start(base: str, warmup: bool, request, log_path: str) -> dict:
    """Starts `albert-tf serve` on `base`; seconds to AVAILABLE and to the first answer, and the server's
    own load + warmup seconds (from its log, kept at `log_path`)."""
    from albert_tf.serving import Client

    grpc_port, rest_port = free_port(), free_port()
    command = [sys.executable, "-m", "albert_tf.cli", "serve", f"--port={grpc_port}", f"--rest_api_port={rest_port}",
               f"--model_name={MODEL_NAME}", f"--model_base_path={base}"]
    if not warmup:
        command.append("--noenable_model_warmup")
    log = open(log_path, "w")
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, cwd=REPO)
    try:
        # The server listens only once its models are loaded (as TF Serving's does). Wait for the port with
        # plain connects: a gRPC channel opened before that backs off between its reconnect attempts (1 s,
        # then longer), which would be counted as load time.
        while not is_listening(grpc_port):
            if process.poll() is not None:
                raise RuntimeError(f"albert-tf serve exited with {process.returncode}; see {log.name}")
            if time.perf_counter() - started > 600:
                raise RuntimeError("not listening after 600 s")
            time.sleep(0.02)
        available = None
        with Client(f"127.0.0.1:{grpc_port}", MODEL_NAME, "grpc", timeout=5) as client:
            while available is None:
                if any(v["state"] == "AVAILABLE" for v in client.status()):
                    available = time.perf_counter() - started
                else:
                    time.sleep(0.02)
            request(client)
            answered = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(60)
        log.close()
    with open(log_path) as f:
        loaded = LOADED.findall(f.read())
    if len(loaded) != 1:
        raise RuntimeError(f"expected one 'Successfully loaded' line in {log_path}, found {len(loaded)}")
    return {"available": available, "answer": answered, "load": float(loaded[0])}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, default=128, help="hidden size of the small model (default 128)")
    parser.add_argument("--layers", type=int, default=2, help="layers (default 2)")
    parser.add_argument("--max_length", type=int, default=128, help="positions and export max_length")
    parser.add_argument("--repeats", type=int, default=3, help="server starts per row (median reported)")
    args = parser.parse_args(argv)

    work = tempfile.mkdtemp(prefix="albert_tf_load_time_")
    bases, tokenizer = make_exports(work, args.hidden, args.layers, args.max_length)
    encoded = tokenizer(TEXTS, padding=True, return_tensors="np")
    ids = {k: encoded[k].astype("int32") for k in ("input_ids", "attention_mask", "token_type_ids")}
    # The first request pays for whatever the load left cold (the whole tokenizer graph without warmup).
    requests = {"text-in": lambda client: client.predict(TEXTS, timeout=600),
                "ids_only": lambda client: client.predict(ids, timeout=600)}
    cases = [(kind, warmup) for warmup in (True, False) for kind in ("text-in", "ids_only")]
    runs = {case: [] for case in cases}
    for repeat in range(args.repeats):
        for kind, warmup in cases:
            log_path = os.path.join(work, f"server-{kind}-{'warmup' if warmup else 'nowarmup'}-{repeat}.log")
            runs[(kind, warmup)].append(time_start(bases[kind], warmup, requests[kind], log_path))
    keys = ("available", "answer", "load")
    rows = {case: {k: statistics.median(r[k] for r in runs[case]) for k in keys} for case in cases}
    startup = statistics.median(r["available"] - r["load"] for case in cases for r in runs[case])

    print()
    print(f"Load time, sequence classifier hidden {args.hidden} x {args.layers} layers, vocab {tokenizer.vocab_size}, "
          f"max_length {args.max_length}; median of {args.repeats} start(s); load average "
          f"{os.getloadavg()[0]:.2f}")
    print()
    print("| export | warmup replay | load + warmup s | start -> AVAILABLE s | start -> first answer s "
          "| first answer after AVAILABLE ms |")
    print("|---|---|---:|---:|---:|---:|")
    for (kind, warmup), row in rows.items():
        print(f"| {kind} | {'on' if warmup else 'off'} | {row['load']:.2f} | {row['available']:.2f} | "
              f"{row['answer']:.2f} | {(row['answer'] - row['available']) * 1000:.0f} |")
    text, ids_row = rows[("text-in", True)], rows[("ids_only", True)]
    ratio = text["available"] / ids_row["available"]
    first = (text["answer"] - text["available"]) * 1000
    verdict = lambda ok: "met" if ok else "NOT met"
    print()
    print(f"process start-up (AVAILABLE less load + warmup, median of all starts): {startup:.2f} s")
    print(f"text-in load + warmup {text['load']:.2f} s (goal <= 5: {verdict(text['load'] <= 5)}); "
          f"text-in / ids_only AVAILABLE (warmup on) {ratio:.2f} (goal <= 2: {verdict(ratio <= 2)}); "
          f"first answer {first:.0f} ms after AVAILABLE (goal <= 100: {verdict(first <= 100)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

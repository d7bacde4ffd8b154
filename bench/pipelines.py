"""Pipeline throughput: albert-tf's `pipeline` vs transformers 4.x's TF `pipeline`, same weights and inputs.

One run prints one table: for each task, seconds for the whole input list (best of --repeats after one
warm-up call), inputs/s, and albert-tf's speed-up over HF. Both sides use the albert-base-v2 shape
(vocabulary 16k; random weights, saved once as HF TF weights that both load) and a SentencePiece model trained on the
bundled wiki text; HF gets its default fast tokenizer for QA (offsets) and the slow one elsewhere.
HF's TF pipelines run one input per model call; albert-tf batches (--batch-size) and runs a traced graph.
Repeats alternate between the two implementations so load from other processes hits both alike.

Usage:
    python bench/pipelines.py             # 32 inputs per task, albert-base shape (a few minutes)
    python bench/pipelines.py --quick     # 4 inputs, a tiny model: a smoke test of the script
"""

from __future__ import annotations

import os
import sys

# A sibling bench script (bench/tokenize.py) would shadow the standard library module; import from the root.
_BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != _BENCH_DIR]
sys.path.insert(0, os.path.dirname(_BENCH_DIR))

import argparse  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

REPO = os.path.dirname(_BENCH_DIR)
# albert-base-v2's shape except the vocabulary: the bundled wiki text supports a SentencePiece model of
# about 25k pieces at most, and model and tokenizer must agree (16k: the MLM head is ~half base's).
BASE = dict(vocab_size=16000, embedding_size=128, hidden_size=768, num_attention_heads=12, intermediate_size=3072,
            num_hidden_layers=12, max_position_embeddings=512)
TINY = dict(vocab_size=2000, embedding_size=16, hidden_size=32, num_attention_heads=2, intermediate_size=48,
            num_hidden_layers=2, max_position_embeddings=128)
HEADS = {"fill-mask": "TFAlbertForMaskedLM", "text-classification": "TFAlbertForSequenceClassification",
         "token-classification": "TFAlbertForTokenClassification", "question-answering": "TFAlbertForQuestionAnswering",
         "feature-extraction": "TFAlbertModel"}


def sentences(count: int) -> list[str]:
    out = []
    with open(os.path.join(REPO, "data", "wiki_sample.txt"), encoding="utf-8") as f:
        for para in f:
            for s in re.split(r"(?<=[.!?])\s+", para.strip()):
                if 12 <= len(s.split()) <= 40 and s.isascii():
                    out.append(s)
                    if len(out) == count:
                        return out
    return out


def task_inputs(task: str, texts: list[str]):
    if task == "fill-mask":
        return [t.replace(" the ", " [MASK] ", 1) if " the " in t else t + " [MASK]." for t in texts]
    if task == "question-answering":
        return {"question": ["What is described here?"] * len(texts),
                "context": [" ".join(texts[i:i + 4]) for i in range(len(texts))]}
    return texts


def call(pipe, task: str, inputs):
    return pipe(**inputs) if task == "question-answering" else pipe(inputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--inputs", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--tasks", default=",".join(HEADS))
    args = parser.parse_args()
    count = 4 if args.quick else args.inputs
    shape = TINY if args.quick else BASE

    import tensorflow as tf
    import transformers

    from albert_tf.pipelines import pipeline
    from albert_tf.tokenization import train_tokenizer

    workdir = tempfile.mkdtemp(prefix="bench_pipelines_")
    try:
        spm_dir = os.path.join(workdir, "spm")
        train_tokenizer([os.path.join(REPO, "data", "wiki_sample.txt")], shape["vocab_size"], spm_dir,
                        model_max_length=min(shape["max_position_embeddings"], 512), max_lines=None)
        slow = transformers.AlbertTokenizer.from_pretrained(spm_dir)
        fast = transformers.AlbertTokenizerFast.from_pretrained(spm_dir, from_slow=True)
        texts = sentences(count + 4)
        rows = []
        for task in args.tasks.split(","):
            tf.random.set_seed(0)
            hf_model = getattr(transformers, HEADS[task])(transformers.AlbertConfig(**shape))
            hf_model(tf.constant([[2, 10, 3]]))
            directory = os.path.join(workdir, task)
            hf_model.save_pretrained(directory)
            for name in ("spiece.model", "tokenizer_config.json", "special_tokens_map.json"):
                shutil.copy(os.path.join(spm_dir, name), directory)
            hf = transformers.pipeline(task, model=hf_model, tokenizer=fast if task == "question-answering" else slow,
                                       framework="tf")
            ours = pipeline(task, model=directory, batch_size=args.batch_size)
            inputs = task_inputs(task, texts[:count])
            timings = {"albert-tf": [], "hf-transformers": []}
            for impl, pipe in (("albert-tf", ours), ("hf-transformers", hf)):
                call(pipe, task, inputs)  # warm-up: tracing, first-call allocations
            for _ in range(args.repeats):
                for impl, pipe in (("albert-tf", ours), ("hf-transformers", hf)):
                    start = time.perf_counter()
                    call(pipe, task, inputs)
                    timings[impl].append(time.perf_counter() - start)
            best = {impl: min(t) for impl, t in timings.items()}
            rows.append((task, best["albert-tf"], best["hf-transformers"]))
            del hf_model, hf, ours
        print(f"\nPipelines, {count} inputs, {'tiny' if args.quick else 'albert-base'} shape, "
              f"albert-tf batch_size={args.batch_size}, best of {args.repeats}")
        print("| task | albert-tf s | HF TF s | albert-tf inputs/s | HF inputs/s | speed-up |")
        print("|---|---|---|---|---|---|")
        for task, ours_s, hf_s in rows:
            print(f"| {task} | {ours_s:.2f} | {hf_s:.2f} | {count / ours_s:.1f} | {count / hf_s:.1f} | "
                  f"{hf_s / ours_s:.2f}x |")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

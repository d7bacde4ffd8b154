"""`make demo`: the whole user path on bundled data, in one command.

tokenizer -> pretraining -> fine-tuning (with and without pretraining) -> export of every head ->
embedded TF Serving-compatible server -> gRPC and REST queries -> summary and PNG curves.

It reuses the library's own entry points (train_tokenizer, create_pretraining_data, pretrain, finetune,
export_saved_model, ModelServer, Client); nothing here is a second implementation.

Example:
    >>> from albert_tf.demo import DemoSettings, run_demo
    >>> summary = run_demo(DemoSettings(output_dir="/tmp/demo", quick=True))   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import statistics
import time
from typing import Any

from albert_tf.utils.io import atomic_write_text, atomic_write_with
from albert_tf.utils.net import free_port

logger = logging.getLogger("albert_tf")

REPO_DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
HUB_MODEL_ENV = "ALBERT_TF_MODEL"
# Where the stock TF Serving container sees demo_output/models (see serving/docker-compose.yml).
STOCK_MODELS_MOUNT = "/models"
CLIENT_TIMEOUT_SECONDS = 120.0


@dataclasses.dataclass
class DemoSettings:
    output_dir: str = "demo_output"
    data_dir: str = REPO_DATA_DIR
    quick: bool = False  # minutes -> seconds, for the test suite
    vocab_size: int = 5000
    # Reviews average about 25 tokens: 64 covers nearly all of them and keeps pretraining steps cheap.
    max_seq_length: int = 64
    # The small ALBERT pretrained here (shared layers, factorized embeddings), sized so that every step of
    # `make demo` fits in 20 minutes on 2 CPU cores.
    hidden_size: int = 128
    num_hidden_layers: int = 4
    num_attention_heads: int = 2
    intermediate_size: int = 512
    embedding_size: int = 128
    pretrain_steps: int = 600
    pretrain_batch_size: int = 64
    pretrain_learning_rate: float = 5e-3
    finetune_epochs: int = 3
    finetune_learning_rate: float = 1e-4
    finetune_batch_size: int = 32
    heldout_documents: int = 6
    latency_requests: int = 50
    seed: int = 0
    hub_model: str | None = None  # ALBERT_TF_MODEL: fine-tune real pretrained weights, skip pretraining
    # Set by scaled(), so that overrides applied after scaling survive run_demo's own call to it.
    is_scaled: bool = False

    def scaled(self) -> "DemoSettings":
        """The quick sizes when ``quick`` (a smoke run); idempotent."""
        if not self.quick or self.is_scaled:
            return self
        return dataclasses.replace(
            self, vocab_size=1200, max_seq_length=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=64, embedding_size=16, pretrain_steps=30, pretrain_batch_size=16, finetune_epochs=1,
            latency_requests=10, is_scaled=True,
        )


class _Steps:
    """Prints numbered steps with their wall time."""

    def __init__(self, total: int):
        self.total, self.index, self.started = total, 0, time.time()
        self.timings: dict[str, float] = {}

    def run(self, title: str, fn, *args, **kwargs):
        self.index += 1
        print(f"\n[{self.index}/{self.total}] {title}", flush=True)
        started = time.time()
        result = fn(*args, **kwargs)
        self.timings[title] = time.time() - started
        print(f"    done in {self.timings[title]:.0f} s", flush=True)
        return result


def _split_wiki(source: str, directory: str, heldout_documents: int) -> tuple[str, str]:
    with open(source, encoding="utf-8") as f:
        documents = [d for d in f.read().split("\n\n") if d.strip()]
    if len(documents) <= heldout_documents:
        raise ValueError(f"{source} has {len(documents)} documents; need more than {heldout_documents}")
    train = os.path.join(directory, "wiki_train.txt")
    heldout = os.path.join(directory, "wiki_heldout.txt")
    atomic_write_text(train, "\n\n".join(documents[:-heldout_documents]) + "\n")
    atomic_write_text(heldout, "\n\n".join(documents[-heldout_documents:]) + "\n")
    return train, heldout


def _plot(path: str, title: str, series: dict[str, list[tuple[float, float]]], xlabel: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n, points in series.items() if points]
    if not names:
        return
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.4), squeeze=False)
    for ax, name in zip(axes[0], names):
        xs, ys = zip(*series[name])
        ax.plot(xs, ys, marker="o" if len(xs) < 30 else None)
        ax.set_title(name)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    # The temporary name has no .png suffix, so the format is named.
    atomic_write_with(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


def _finetune_curves(result: dict, metric: str) -> dict[str, list[tuple[float, float]]]:
    loss = [(h["epoch"], h["train_loss"]) for h in result.get("history", []) if h.get("train_loss") is not None]
    acc = [(h["epoch"], h["eval"][metric]) for h in result.get("history", []) if metric in h.get("eval", {})]
    initial = result.get("initial_metrics") or {}
    if metric in initial:
        acc.insert(0, (0, initial[metric]))
    return {"train loss": loss, f"dev {metric}": acc}


def run_demo(settings: DemoSettings) -> dict[str, Any]:
    """Runs every step and returns the summary it prints (also written to OUTPUT/summary.json)."""
    settings = settings.scaled()
    settings.hub_model = settings.hub_model or os.environ.get(HUB_MODEL_ENV) or None
    out = os.path.abspath(settings.output_dir)
    os.makedirs(out, exist_ok=True)
    wiki = os.path.join(settings.data_dir, "wiki_sample.txt")
    reviews = os.path.join(settings.data_dir, "reviews.csv")
    for path in (wiki, reviews):
        if not os.path.exists(path):
            raise FileNotFoundError(f"The demo's bundled data is missing: {path}")

    from albert_tf import AlbertConfig
    from albert_tf.finetuning import finetune, train_dev_split
    from albert_tf.pretraining import create_pretraining_data, pretrain
    from albert_tf.training.summaries import read_scalars
    from albert_tf.tokenization import AlbertTokenizer, train_tokenizer

    steps = _Steps(total=7)
    summary: dict[str, Any] = {"output_dir": out}
    data_dir = os.path.join(out, "data")
    os.makedirs(data_dir, exist_ok=True)

    # 1. tokenizer
    if settings.hub_model:
        tokenizer_dir = settings.hub_model
        steps.run("tokenizer: using the tokenizer of " + settings.hub_model, lambda: None)
    else:
        tokenizer_dir = os.path.join(out, "tokenizer")
        steps.run(f"Training a {settings.vocab_size}-piece SentencePiece tokenizer on the bundled Wikipedia text",
                  train_tokenizer, [wiki], settings.vocab_size, tokenizer_dir)
    tokenizer = AlbertTokenizer.from_pretrained(tokenizer_dir)

    # 2. pretraining
    config = AlbertConfig(
        vocab_size=tokenizer.vocab_size, embedding_size=settings.embedding_size, hidden_size=settings.hidden_size,
        num_hidden_layers=settings.num_hidden_layers, num_attention_heads=settings.num_attention_heads,
        intermediate_size=settings.intermediate_size, max_position_embeddings=max(512, settings.max_seq_length),
        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
    )
    config_path = os.path.join(out, "albert_small_config.json")
    atomic_write_text(config_path, config.to_json_string())
    if settings.hub_model:
        pretrained_dir = settings.hub_model
        steps.run("pretraining: skipped, fine-tuning " + settings.hub_model, lambda: None)
    else:
        train_txt, heldout_txt = _split_wiki(wiki, data_dir, settings.heldout_documents)

        def _pretrain():
            report = create_pretraining_data(
                train_txt, tokenizer_dir, os.path.join(data_dir, "pretrain"), max_seq_length=settings.max_seq_length,
                max_predictions_per_seq=20, ngram=3, dupe_factor=2 if settings.quick else 4,
                random_seed=settings.seed, num_shards=2)
            heldout = create_pretraining_data(
                heldout_txt, tokenizer_dir, os.path.join(data_dir, "heldout"), max_seq_length=settings.max_seq_length,
                max_predictions_per_seq=20, ngram=3, dupe_factor=1, random_seed=settings.seed + 1, num_shards=1)
            result = pretrain(
                config_path, report.output_files, os.path.join(out, "pretraining"), tokenizer=tokenizer_dir,
                global_batch_size=settings.pretrain_batch_size, num_train_steps=settings.pretrain_steps,
                warmup_steps=max(1, settings.pretrain_steps // 10), learning_rate=settings.pretrain_learning_rate,
                optimizer="lamb", save_checkpoints_steps=max(10, settings.pretrain_steps // 4),
                log_every_steps=max(5, settings.pretrain_steps // 40), seed=settings.seed,
                eval_files=heldout.output_files, eval_steps=20 if not settings.quick else 2)
            return report, result

        report, pretrain_result = steps.run(
            f"Pretraining a small ALBERT (H={settings.hidden_size}, {settings.num_hidden_layers} shared layers) "
            f"with n-gram MLM + SOP for {settings.pretrain_steps} steps", _pretrain)
        pretrained_dir = pretrain_result.export_dir
        summary["pretraining"] = {
            "steps": pretrain_result.global_step, "records": getattr(report, "num_instances", None),
            "train_metrics": pretrain_result.metrics, "heldout_metrics": pretrain_result.eval_metrics,
            "examples_per_second": pretrain_result.examples_per_second,
        }
        scalars = read_scalars(os.path.join(out, "pretraining", "train"))
        _plot(os.path.join(out, "pretraining_curves.png"), "Pretraining (MLM + SOP)",
              {k: v for k, v in scalars.items() if k in ("loss", "mlm_accuracy", "sop_accuracy")}, "step")

    # 3. fine-tuning with and without pretraining
    split_dir = os.path.join(data_dir, "reviews")
    train_file, dev_file = train_dev_split(reviews, split_dir, dev_fraction=0.1, seed=settings.seed,
                                           max_dev=100 if settings.quick else None)
    common = dict(tokenizer=tokenizer_dir, max_seq_length=settings.max_seq_length,
                  learning_rate=settings.finetune_learning_rate, epochs=settings.finetune_epochs,
                  global_batch_size=settings.finetune_batch_size, seed=settings.seed,
                  max_train_examples=400 if settings.quick else None)
    finetuned_dir = os.path.join(out, "finetuned", "reviews")
    with_pretraining = steps.run(
        "Fine-tuning the reviews classifier (fresh/rotten) from the pretrained model",
        finetune, "sequence_classification", pretrained_dir, train_file, dev_file, finetuned_dir, **common)
    scratch = steps.run(
        "Fine-tuning the same architecture from scratch, for comparison",
        finetune, "sequence_classification", config_path, train_file, dev_file,
        os.path.join(out, "finetuned", "reviews_from_scratch"), **common)
    metric = with_pretraining.get("primary_metric", "accuracy")
    summary["dev_accuracy"] = {"with_pretraining": with_pretraining["metrics"].get(metric),
                               "from_scratch": scratch["metrics"].get(metric), "metric": metric}
    _plot(os.path.join(out, "finetuning_curves.png"), "Reviews fine-tuning (with pretraining)",
          _finetune_curves(with_pretraining, metric), "epoch")
    _plot(os.path.join(out, "finetuning_from_scratch_curves.png"), "Reviews fine-tuning (from scratch)",
          _finetune_curves(scratch, metric), "epoch")

    # 4. exports
    models_dir = os.path.join(out, "models")
    exports = steps.run("Exporting the reviews classifier and every other head as text-in SavedModels",
                        _export_all, finetuned_dir, pretrained_dir, tokenizer_dir, models_dir, settings)
    summary["exports"] = exports

    # 5-6. serving
    served = steps.run("Serving every export with the embedded TF Serving-compatible server; querying it",
                       _serve_and_query, models_dir, exports, settings)
    summary["serving"] = served
    summary["stock_tf_serving_command"] = (
        f"docker run --rm -p 8500:8500 -p 8501:8501 -v {models_dir}:{STOCK_MODELS_MOUNT} "
        f"tensorflow/serving:2.21.0 --model_config_file={STOCK_MODELS_MOUNT}/models.config")

    # 7. summary
    steps.run("Summary", lambda: None)
    summary["timings_seconds"] = steps.timings
    summary["total_seconds"] = time.time() - steps.started
    atomic_write_text(os.path.join(out, "summary.json"), json.dumps(summary, indent=2, default=str) + "\n")
    _print_summary(summary)
    return summary


_EXPORTS = (
    # name, model class, task, source ("finetuned" or "pretrained")
    ("reviews", "TFAlbertForSequenceClassification", "sequence_classification", "finetuned"),
    ("fill_mask", "TFAlbertForMaskedLM", "masked_lm", "pretrained"),
    ("pretraining", "TFAlbertForPreTraining", "pretraining", "pretrained"),
    ("encoder", "TFAlbertModel", "base", "pretrained"),
    ("token_classification", "TFAlbertForTokenClassification", "token_classification", "pretrained"),
    ("question_answering", "TFAlbertForQuestionAnswering", "question_answering", "pretrained"),
    ("multiple_choice", "TFAlbertForMultipleChoice", "multiple_choice", "pretrained"),
)


def _export_all(finetuned_dir, pretrained_dir, tokenizer_dir, models_dir, settings) -> dict[str, str]:
    import albert_tf
    from albert_tf.export import export_saved_model
    from albert_tf.tokenization import AlbertTokenizer

    tokenizer = AlbertTokenizer.from_pretrained(tokenizer_dir)
    written = {}
    for name, class_name, task, source in _EXPORTS:
        cls = getattr(albert_tf, class_name)
        directory = finetuned_dir if source == "finetuned" else pretrained_dir
        overrides = {"num_labels": 2} if task == "question_answering" else {}
        if task == "token_classification":
            # No tagged corpus ships with the demo: the tagging head on the pretrained encoder is untrained.
            overrides = {"id2label": {0: "O", 1: "B-ENT", 2: "I-ENT"}}
        model = cls.from_pretrained(directory, **overrides)
        # The server replays the warmup records when it loads the export (and fails the load if one
        # fails), which the next step does: replaying them here as well would double that cost.
        written[name] = export_saved_model(model, tokenizer, os.path.join(models_dir, name), task=task,
                                           max_length=settings.max_seq_length, verify_warmup=False)
        print(f"    {name:22s} -> {written[name]}", flush=True)
    _write_models_config(models_dir, [name for name, *_ in _EXPORTS])
    return written


def _write_models_config(models_dir: str, names: list[str]) -> str:
    """Writes two configs: ``models.local.config`` (this machine's paths, for the embedded server) and
    ``models.config`` (paths under ``/models``, for stock TF Serving with ``models_dir`` mounted there)."""
    from albert_tf.export.models_config import ServedModel, check_exports, container_path, render_models_config

    local = [ServedModel(n, os.path.join(models_dir, n)) for n in names]
    check_exports(local)
    local_path = os.path.join(models_dir, "models.local.config")
    atomic_write_text(local_path, render_models_config(local))
    stock = [ServedModel(m.name, container_path(STOCK_MODELS_MOUNT, m.base_path)) for m in local]
    atomic_write_text(os.path.join(models_dir, "models.config"), render_models_config(stock))
    return local_path


def _serve_and_query(models_dir: str, exports: dict, settings: DemoSettings) -> dict[str, Any]:
    from albert_tf.serving import Client, ModelServer, ServerOptions

    grpc_port, rest_port = free_port(), free_port()
    server = ModelServer(ServerOptions(port=grpc_port, rest_api_port=rest_port,
                                       model_config_file=os.path.join(models_dir, "models.local.config")))
    server.start()
    try:
        texts = ["a gorgeous, witty, seductive movie.", "the plot is nothing but boilerplate clichés."]
        # A request whose feeds/fetches the warmup records did not cover makes the Session build and
        # optimize a new executor first (as in TF Serving): seconds on 2 busy cores, hence the long deadline.
        grpc = Client(f"127.0.0.1:{grpc_port}", "reviews", protocol="grpc", timeout=CLIENT_TIMEOUT_SECONDS)
        rest = Client(f"127.0.0.1:{rest_port}", "reviews", protocol="rest", timeout=CLIENT_TIMEOUT_SECONDS)
        _wait_available(grpc)
        by_grpc = grpc.predict(texts)
        by_rest = rest.predict(texts)
        fill = Client(f"127.0.0.1:{grpc_port}", "fill_mask", protocol="grpc",
                      timeout=CLIENT_TIMEOUT_SECONDS).predict(["the film is [MASK] good."])
        latencies = []
        for i in range(settings.latency_requests):
            started = time.perf_counter()
            grpc.predict([texts[i % 2]])
            latencies.append((time.perf_counter() - started) * 1000.0)
        print(f"    gRPC reviews: {_short(by_grpc)}", flush=True)
        print(f"    REST reviews: {_short(by_rest)}", flush=True)
        print(f"    gRPC fill_mask: {_short(fill)}", flush=True)
        return {"grpc_port": grpc_port, "rest_port": rest_port, "grpc_prediction": _jsonable(by_grpc),
                "rest_prediction": _jsonable(by_rest), "fill_mask": _jsonable(fill),
                "p50_latency_ms": statistics.median(latencies), "models": sorted(exports)}
    finally:
        server.stop()


def _wait_available(client, timeout: float = 120.0) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            client.status()
            return
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.5)


def _jsonable(value):
    import numpy as np

    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _short(value) -> str:
    text = json.dumps(_jsonable(value), default=str)
    return text if len(text) < 300 else text[:297] + "..."


def _print_summary(summary: dict) -> None:
    acc = summary["dev_accuracy"]
    lines = ["", "=" * 72, "albert-tf demo summary", "=" * 72]
    if "pretraining" in summary:
        held = summary["pretraining"].get("heldout_metrics") or {}
        lines.append(f"pretraining: {summary['pretraining']['steps']} steps; held-out "
                     + ", ".join(f"{k}={v:.3f}" for k, v in held.items() if isinstance(v, float)))
    fmt = lambda v: "n/a" if v is None else f"{v:.4f}"  # noqa: E731
    lines.append(f"reviews dev {acc['metric']}: with pretraining {fmt(acc['with_pretraining'])}, "
                 f"from scratch {fmt(acc['from_scratch'])}")
    lines.append(f"embedded server p50 latency (gRPC, one short review): {summary['serving']['p50_latency_ms']:.1f} ms")
    lines.append(f"exports: {', '.join(sorted(summary['exports']))} under {os.path.join(summary['output_dir'], 'models')}")
    lines.append("plots: " + ", ".join(sorted(f for f in os.listdir(summary["output_dir"]) if f.endswith(".png"))))
    lines.append("serve the same directory with stock TF Serving:")
    lines.append("  " + summary["stock_tf_serving_command"])
    lines.append(f"total time: {summary['total_seconds'] / 60:.1f} min")
    print("\n".join(lines), flush=True)

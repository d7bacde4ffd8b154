"""`albert-tf finetune` / `albert-tf evaluate` as a user runs them, and fine-tuning on two replicas."""

import json
import os
import subprocess
import sys
import textwrap

from albert_tf import AlbertConfig
from tests.finetuning.conftest import REPO, TINY, fixture

CLI = os.path.join(os.path.dirname(sys.executable), "albert-tf")


def _run(*args, timeout=600):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": REPO}
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)


def test_finetune_then_evaluate_from_the_command_line(tmp_path, spm_dir):
    config = AlbertConfig(vocab_size=1000, **TINY).save_pretrained(str(tmp_path / "shape"))
    out = tmp_path / "ner"
    done = _run(CLI, "finetune", "--task=ner", f"--model={config}", f"--tokenizer={spm_dir}",
                f"--train_file={fixture('ner_train.conll')}", f"--eval_file={fixture('ner_dev.conll')}",
                f"--output_dir={out}", "--epochs=2", "--global_batch_size=4", "--learning_rate=3e-3",
                "--config_overrides=classifier_dropout_prob=0.0")
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout[done.stdout.index("{\n"):])  # after the progress bar and epoch lines
    assert summary["primary_metric"] == "f1" and summary["best_checkpoint_dir"] == str(out)
    assert "epoch 1: eval accuracy=" in done.stdout  # the per-epoch eval line under the progress bar
    with open(out / "config.json", encoding="utf-8") as f:
        saved = json.load(f)
    assert saved["classifier_dropout_prob"] == 0.0 and saved["id2label"]["0"] == "O"

    done = _run(CLI, "evaluate", "--task=token_classification", f"--model={out}",
                f"--eval_file={fixture('ner_dev.conll')}")
    assert done.returncode == 0, done.stderr[-3000:]
    printed = json.loads(done.stdout)
    assert printed["f1"] == summary["metrics"]["f1"]
    with open(out / "eval_results.json", encoding="utf-8") as f:
        assert json.load(f) == printed

    # The pipeline's decoding: each prediction carries the entities the token-classification pipeline finds
    # in the sentence's text (tests/export/test_parity.py holds it to the pipeline and the export).
    predictions = tmp_path / "predictions.json"
    done = _run(CLI, "evaluate", "--task=ner", f"--model={out}", f"--eval_file={fixture('ner_dev.conll')}",
                "--token_decoding=pipeline", "--aggregation_strategy=first", f"--predictions_file={predictions}",
                f"--output_file={tmp_path / 'pipeline_metrics.json'}")
    assert done.returncode == 0, done.stderr[-3000:]
    records = json.loads(predictions.read_text(encoding="utf-8"))
    assert records and all(set(r) == {"line", "prediction", "entities"} for r in records)
    # The word tags are spelled from the entities (a two-epoch model may still predict O everywhere).
    assert all(bool(r["entities"]) == any(t != "O" for t in r["prediction"]) for r in records)
    assert "f1" in json.loads(done.stdout)
    done = _run(CLI, "evaluate", "--task=ner", f"--model={out}", f"--eval_file={fixture('ner_dev.conll')}",
                "--token_decoding=words")
    assert done.returncode != 0 and "token_decoding" in done.stderr and "Traceback" not in done.stderr

    bad = tmp_path / "bad.conll"
    bad.write_text("Ada B-PER\nLovelace\n", encoding="utf-8")
    done = _run(CLI, "evaluate", "--task=ner", f"--model={out}", f"--eval_file={bad}")
    assert done.returncode != 0
    assert f"evaluate: {bad}:2: expected a word and its tag" in done.stderr


def test_mirrored_strategy_on_two_replicas(tmp_path, spm_dir):
    script = textwrap.dedent(f"""
        import json, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from albert_tf import AlbertConfig
        from albert_tf.finetuning import finetune
        result = finetune("ner", AlbertConfig(vocab_size=1000, **{TINY!r}), {fixture('ner_train.conll')!r},
                          {fixture('ner_dev.conll')!r}, {str(tmp_path)!r}, tokenizer={spm_dir!r}, epochs=6,
                          learning_rate=3e-3, global_batch_size=8, strategy="mirrored", verbose=False)
        print(json.dumps(result["train_loss"]))
        print(tf.distribute.MirroredStrategy().num_replicas_in_sync)
    """)
    done = _run(sys.executable, "-c", script)
    assert done.returncode == 0, done.stderr[-3000:]
    losses, replicas = done.stdout.strip().splitlines()[-2:]
    losses = json.loads(losses)
    assert replicas == "2"
    assert losses[-1] < 0.8 * losses[0], losses
    assert os.path.exists(tmp_path / "model.safetensors")

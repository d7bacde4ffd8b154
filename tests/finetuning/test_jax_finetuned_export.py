"""A checkpoint fine-tuned on JAX exports with `albert-tf export`, and its SavedModel answers equal the JAX
model's predictions to 1e-4.

Three kinds of process, as a user would run them: `albert-tf finetune` and the prediction script with
KERAS_BACKEND=jax (the Python AlbertTokenizer makes the ids there), `albert-tf export` on TensorFlow, and the
SavedModel run in a fresh process that imports only tensorflow and tensorflow_text (tests/export's
fresh_process_runner.py, which feeds raw strings to the in-graph tokenizer as TF Serving would).
"""

import csv
import json
import os
import subprocess
import sys
import textwrap

import numpy as np

from albert_tf import AlbertConfig
from tests.finetuning.conftest import REPO, TINY, fixture

RUNNER = os.path.join(REPO, "tests", "export", "fresh_process_runner.py")
EXTRA_TEXTS = ["Le café était très animé, and the film?  Even   better.", "Dull.", "A sly, intricate and appealing film."]

# argv: model class name, model directory, texts (.json), output (.npz): the logits and the ids they came from.
PREDICT_ON_JAX = textwrap.dedent("""
    import json, sys
    import keras
    import numpy as np
    import albert_tf

    class_name, model_dir, texts_file, out_file = sys.argv[1:]
    with open(texts_file, encoding="utf-8") as f:
        texts = json.load(f)
    tokenizer = albert_tf.AlbertTokenizer.from_pretrained(model_dir)
    model = getattr(albert_tf, class_name).from_pretrained(model_dir)
    encoded = dict(tokenizer(texts, padding=True, return_tensors="np"))
    logits = model(encoded, training=False).logits
    np.savez(out_file, logits=keras.ops.convert_to_numpy(logits), **encoded)
    print(json.dumps({"backend": keras.backend.backend(), "logits_type": type(logits).__module__}))
""")


def _run(args, backend, timeout=600):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO)
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)
    assert done.returncode == 0, f"{args[:4]}: {done.stderr[-3000:]}"
    return done


def _last_json_line(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def _finetune_on_jax(tmp_path, spm_dir, *args) -> tuple[str, dict]:
    config = AlbertConfig(vocab_size=1000, **TINY).save_pretrained(str(tmp_path / "shape"))
    model_dir = str(tmp_path / "finetuned")
    _run([sys.executable, "-m", "albert_tf.cli", "finetune", f"--model={config}", f"--tokenizer={spm_dir}",
          f"--output_dir={model_dir}", "--progress_bar=false", *args], "jax")
    with open(os.path.join(model_dir, "metrics.json"), encoding="utf-8") as f:
        result = json.load(f)
    assert result["train_loss"][-1] < 0.8 * result["train_loss"][0], result["train_loss"]
    # TensorFlow is installed here, so the JAX run writes its TensorBoard curves with TF's writer.
    assert os.listdir(os.path.join(model_dir, "logs", "train")) and os.listdir(os.path.join(model_dir, "logs", "eval"))
    return model_dir, result


def _predict_on_jax(tmp_path, class_name, model_dir, texts) -> dict:
    texts_file = tmp_path / "texts.json"
    texts_file.write_text(json.dumps(texts), encoding="utf-8")
    out = str(tmp_path / "jax.npz")
    info = _last_json_line(_run([sys.executable, "-c", PREDICT_ON_JAX, class_name, model_dir, str(texts_file), out],
                                "jax").stdout)
    assert info["backend"] == "jax" and info["logits_type"].startswith("jax"), info
    with np.load(out) as data:
        return {k: data[k] for k in data.files}


def _export_and_serve(tmp_path, model_dir, task, texts) -> dict:
    """`albert-tf export`, then `serving_default` on the raw texts in a tensorflow + tensorflow_text process."""
    done = _run([sys.executable, "-m", "albert_tf.cli", "export", f"--model={model_dir}", f"--task={task}",
                 f"--export_dir={tmp_path / 'exports' / task}", "--progress_bar=false"], "tensorflow")
    version_dir = done.stdout.strip().splitlines()[-1]
    assert version_dir == str(tmp_path / "exports" / task / "1")
    inputs, outputs = str(tmp_path / "text.npz"), str(tmp_path / "served.npz")
    np.savez(inputs, text=np.array(texts))
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps([{"dir": version_dir, "signature": "serving_default", "inputs": inputs,
                                 "outputs": outputs}]), encoding="utf-8")
    assert _last_json_line(_run([sys.executable, RUNNER, str(jobs)], "tensorflow").stdout)["albert_tf_imported"] is False
    with np.load(outputs) as served:
        return {k: served[k] for k in served.files}


def _softmax(logits):
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


def test_jax_finetuned_classifier_exports_and_serves_the_jax_predictions(tmp_path, spm_dir):
    # Enough steps to move the classifier away from its initial near-zero logits (test_finetune.py's run).
    model_dir, _ = _finetune_on_jax(
        tmp_path, spm_dir, "--task=sequence_classification", f"--train_file={fixture('reviews_train.csv')}",
        f"--eval_file={fixture('reviews_dev.csv')}", "--epochs=14", "--learning_rate=5e-3", "--global_batch_size=8",
        "--max_seq_length=32")
    with open(fixture("reviews_dev.csv"), encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)][:8] + EXTRA_TEXTS
    jax_logits = _predict_on_jax(tmp_path, "TFAlbertForSequenceClassification", model_dir, texts)["logits"]
    assert jax_logits.shape == (len(texts), 2)
    assert np.ptp(jax_logits[:, 0] - jax_logits[:, 1]) > 0.1  # the trained model tells the texts apart

    served = _export_and_serve(tmp_path, model_dir, "sequence_classification", texts)
    np.testing.assert_allclose(served["logits"], jax_logits, atol=1e-4)
    np.testing.assert_allclose(served["probabilities"], _softmax(jax_logits), atol=1e-4)
    id2label = {0: "fresh", 1: "rotten"}
    assert [label.decode() for label in served["label"]] == [id2label[i] for i in jax_logits.argmax(-1)]

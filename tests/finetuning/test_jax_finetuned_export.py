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

PREDICT_ON_JAX = textwrap.dedent("""
    import json, sys
    import keras
    import numpy as np
    from albert_tf import AlbertTokenizer, TFAlbertForSequenceClassification

    model_dir, texts_file, out_file = sys.argv[1:]
    with open(texts_file, encoding="utf-8") as f:
        texts = json.load(f)
    tokenizer = AlbertTokenizer.from_pretrained(model_dir)
    model = TFAlbertForSequenceClassification.from_pretrained(model_dir)
    logits = model(dict(tokenizer(texts, padding=True, return_tensors="np")), training=False).logits
    np.save(out_file, keras.ops.convert_to_numpy(logits))
    print(json.dumps({"backend": keras.backend.backend(), "logits_type": type(logits).__module__}))
""")


def _run(args, backend, timeout=600):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO)
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)
    assert done.returncode == 0, f"{args[:4]}: {done.stderr[-3000:]}"
    return done


def _last_json_line(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_jax_finetuned_checkpoint_exports_and_serves_the_jax_predictions(tmp_path, spm_dir):
    config = AlbertConfig(vocab_size=1000, **TINY).save_pretrained(str(tmp_path / "shape"))
    model_dir = str(tmp_path / "reviews")
    # Enough steps to move the classifier away from its initial near-zero logits (test_finetune.py's run).
    _run([sys.executable, "-m", "albert_tf.cli", "finetune", "--task=sequence_classification", f"--model={config}",
          f"--tokenizer={spm_dir}", f"--train_file={fixture('reviews_train.csv')}",
          f"--eval_file={fixture('reviews_dev.csv')}", f"--output_dir={model_dir}", "--epochs=14",
          "--learning_rate=5e-3", "--global_batch_size=8", "--max_seq_length=32", "--progress_bar=false"], "jax")
    with open(os.path.join(model_dir, "metrics.json"), encoding="utf-8") as f:
        result = json.load(f)
    assert result["train_loss"][-1] < 0.8 * result["train_loss"][0], result["train_loss"]
    # TensorFlow is installed here, so the JAX run writes its TensorBoard curves with TF's writer.
    assert os.listdir(os.path.join(model_dir, "logs", "train")) and os.listdir(os.path.join(model_dir, "logs", "eval"))

    with open(fixture("reviews_dev.csv"), encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)][:8] + EXTRA_TEXTS
    texts_file = tmp_path / "texts.json"
    texts_file.write_text(json.dumps(texts), encoding="utf-8")
    jax_logits_file = str(tmp_path / "jax_logits.npy")
    done = _run([sys.executable, "-c", PREDICT_ON_JAX, model_dir, str(texts_file), jax_logits_file], "jax")
    info = _last_json_line(done.stdout)
    assert info["backend"] == "jax" and info["logits_type"].startswith("jax"), info
    jax_logits = np.load(jax_logits_file)
    assert jax_logits.shape == (len(texts), 2)
    assert np.ptp(jax_logits[:, 0] - jax_logits[:, 1]) > 0.1  # the trained model tells the texts apart

    done = _run([sys.executable, "-m", "albert_tf.cli", "export", f"--model={model_dir}",
                 "--task=sequence_classification", f"--export_dir={tmp_path / 'exports' / 'reviews'}",
                 "--progress_bar=false"], "tensorflow")
    version_dir = done.stdout.strip().splitlines()[-1]
    assert version_dir == str(tmp_path / "exports" / "reviews" / "1")

    inputs = str(tmp_path / "text.npz")
    np.savez(inputs, text=np.array(texts))
    outputs = str(tmp_path / "served.npz")
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps([{"dir": version_dir, "signature": "serving_default", "inputs": inputs,
                                 "outputs": outputs}]), encoding="utf-8")
    done = _run([sys.executable, RUNNER, str(jobs)], "tensorflow")
    assert _last_json_line(done.stdout)["albert_tf_imported"] is False
    with np.load(outputs) as served:
        np.testing.assert_allclose(served["logits"], jax_logits, atol=1e-4)
        probabilities = np.exp(jax_logits) / np.exp(jax_logits).sum(-1, keepdims=True)
        np.testing.assert_allclose(served["probabilities"], probabilities, atol=1e-4)
        id2label = {0: "fresh", 1: "rotten"}
        assert [label.decode() for label in served["label"]] == [id2label[i] for i in jax_logits.argmax(-1)]

"""What a user at a terminal sees (issue 15): a progress bar on every long step, and no log noise inside it
(TensorFlow's CUDA stub lines, SavedModel "renamed to unknown" lines, checkpoint "Sharding callback duration"
timings, the epoch's evaluation line written into the training bar). The REST client starts without
TensorFlow even when it gets an answer."""

import json
import re
import subprocess
import sys

import pytest

from tests.commands.conftest import (DATA, ENV, FIXTURES, TINY_OVERRIDES, albert_tf, albert_tf_on_a_terminal)

# Lines TensorFlow logs by default that a user should not see unless asked (--verbosity, ALBERT_TF_DEBUG).
NOISE = ("renamed to unknown", "Sharding callback duration", "Writing fingerprint", "cuda", "cuInit", "oneDNN")
# absl / TensorFlow C++ log-line prefix, e.g. "I1202 14:05:59.392709 140672766720896 saver.py:156]".
LOG_LINE = re.compile(r"(^|[\r\n])[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S+:\d+\]")


def _assert_no_noise(output: str) -> None:
    for noise in NOISE:
        assert noise not in output, (noise, output[-3000:])
    assert "Traceback" not in output, output[-3000:]


def _lines(output: str) -> list[str]:
    """The terminal's lines, each as its last redraw shows it."""
    return [line.rsplit("\r", 1)[-1] for line in output.replace("\r\n", "\n").split("\n")]


def test_train_tokenizer_shows_that_it_is_working(tmp_path):
    status, output = albert_tf_on_a_terminal("train-tokenizer", f"--input={DATA / 'wiki_sample.txt'}",
                                             "--vocab_size=300", "--max_lines=2000", f"--output_dir={tmp_path}")
    assert status == 0, output[-3000:]
    assert "\rtrain-tokenizer: " in output and "reading and training" in output
    assert f"{tmp_path / 'spiece.model'}" in _lines(output)  # the bar ended its line before the result
    _assert_no_noise(output)


def test_create_pretraining_data_counts_documents(spm_dir, tmp_path):
    status, output = albert_tf_on_a_terminal("create-pretraining-data", f"--input_file={DATA / 'wiki_sample.txt'}",
                                             f"--spm_model_file={spm_dir}", f"--output_file={tmp_path / 'wiki'}",
                                             "--max_seq_length=32", "--max_predictions_per_seq=5", "--dupe_factor=2",
                                             "--max_documents=10")
    assert status == 0, output[-3000:]
    assert "create-pretraining-data: 20/20 documents [" in output and "pass 2/2" in output
    assert f"{tmp_path / 'wiki-00000-of-00001.tfrecord'}" in _lines(output)
    _assert_no_noise(output)


@pytest.fixture(scope="module")
def exported(model_dir, tmp_path_factory):
    """`albert-tf export` run at a terminal: (exit status, what it drew, the version directory)."""
    base = tmp_path_factory.mktemp("terminal_exports") / "clf"
    status, output = albert_tf_on_a_terminal("export", f"--model={model_dir}", "--task=sequence_classification",
                                             f"--export_dir={base}", "--max_length=32")
    return status, output, base / "1"


def test_export_shows_its_stages_and_no_log_noise(exported):
    status, output, version_dir = exported
    assert status == 0, output[-3000:]
    for stage in ("0/4 stages", "tracing", "warmup check", "saving", "op check", "4/4 stages"):
        assert stage in output, (stage, output[-3000:])
    assert str(version_dir) in _lines(output)
    _assert_no_noise(output)
    assert not LOG_LINE.search(output), output[-3000:]


def test_export_log_lines_are_there_when_asked_for(model_dir, tmp_path):
    """The lines the default silences are real: --verbosity=0 (INFO) shows them."""
    done = albert_tf("export", f"--model={model_dir}", "--task=sequence_classification",
                     f"--export_dir={tmp_path / 'clf'}", "--max_length=32", "--verbosity=0")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "renamed to unknown" in done.stderr and "Sharding callback duration" in done.stderr


def test_evaluate_draws_a_bar_over_the_examples(model_dir, tmp_path):
    status, output = albert_tf_on_a_terminal("evaluate", "--task=sequence_classification", f"--model={model_dir}",
                                             f"--eval_file={FIXTURES / 'reviews_dev.csv'}", "--batch_size=4",
                                             f"--output_file={tmp_path / 'metrics.json'}")
    assert status == 0, output[-3000:]
    rows = sum(1 for _ in open(FIXTURES / "reviews_dev.csv", encoding="utf-8")) - 1
    assert f"{rows}/{rows}" in output and "/example" in output
    assert json.loads(output[output.index("{"):].replace("\r\n", "\n"))["num_examples"] == rows
    _assert_no_noise(output)


def _pretrain_on_a_terminal(records, spm_dir, model_dir, *extra):
    return albert_tf_on_a_terminal(
        "pretrain", "--model_config=albert-base-v2", f"--config_overrides={TINY_OVERRIDES}",
        f"--train_files={records.output_files[0]}", f"--tokenizer={spm_dir}", f"--model_dir={model_dir}",
        "--global_batch_size=4", "--num_train_steps=3", "--save_checkpoints_steps=1", "--log_every_steps=1", *extra)


def test_pretrain_checkpoint_timings_stay_out_of_the_bar(records, spm_dir, tmp_path):
    status, output = _pretrain_on_a_terminal(records, spm_dir, tmp_path / "quiet")
    assert status == 0, output[-3000:]
    assert "3/3" in output and "sop_loss" in output  # Keras' bar with the training metrics
    _assert_no_noise(output)
    # A checkpoint is saved every step; asked for INFO, its timings are logged: they are what the default hides.
    status, output = _pretrain_on_a_terminal(records, spm_dir, tmp_path / "loud", "--verbosity=0")
    assert status == 0 and "Sharding callback duration" in output, output[-3000:]


def test_finetune_reports_the_epoch_evaluation_on_its_own_line(spm_dir, tmp_path):
    status, output = albert_tf_on_a_terminal(
        "finetune", "--task=sequence_classification", "--model=albert-base-v2", f"--tokenizer={spm_dir}",
        f"--config_overrides={TINY_OVERRIDES}", f"--train_file={FIXTURES / 'reviews_train.csv'}",
        f"--eval_file={FIXTURES / 'reviews_dev.csv'}", f"--output_dir={tmp_path / 'run'}", "--epochs=2",
        "--global_batch_size=8")
    assert status == 0, output[-3000:]
    lines = _lines(output)
    for epoch in (1, 2):
        report = next(line for line in lines if f"epoch {epoch}: eval accuracy=" in line)
        assert report.startswith(f"epoch {epoch}: eval accuracy="), report  # not written into the bar
    _assert_no_noise(output)


def test_predict_over_rest_gets_an_answer_without_tensorflow(exported, tmp_path):
    from tests.commands.test_cli_basics import PROBE
    from tests.serving.conftest import EMBEDDED, ServerProcess, models_config_text

    status, output, version_dir = exported
    assert status == 0, output[-3000:]
    config = tmp_path / "models.config"
    config.write_text(models_config_text([{"name": "clf", "base_path": str(version_dir.parent)}]), encoding="utf-8")
    server = ServerProcess(EMBEDDED, str(config), str(tmp_path / "server.log")).start({"clf": 1})
    try:
        host, port = server.rest_address
        done = subprocess.run([sys.executable, "-c", PROBE, "predict", f"--server={host}:{port}", "--protocol=rest",
                               "--model_name=clf", "a gripping, funny film"], env=ENV, capture_output=True,
                              text=True, timeout=300)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.splitlines()[0])
    assert answer["text"] == "a gripping, funny film"
    assert answer["outputs"]["label"] in ("rotten", "fresh") and len(answer["outputs"]["probabilities"]) == 2
    assert "TENSORFLOW_IMPORTED=False" in done.stdout

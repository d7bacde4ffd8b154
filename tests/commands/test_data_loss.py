"""No silent data loss or silent mistakes (issue 15): earlier runs are refused without
--overwrite_output_dir and replaced cleanly with it; config typos and changed resumes are named."""

import json
import os

from tests.commands.conftest import FIXTURES, TINY_OVERRIDES, albert_tf, assert_one_line_error


def _finetune_args(spm_dir, output_dir, *extra):
    return ("finetune", "--task=sequence_classification", "--model=albert-base-v2", f"--tokenizer={spm_dir}",
            f"--config_overrides={TINY_OVERRIDES}", f"--train_file={FIXTURES / 'reviews_train.csv'}",
            f"--eval_file={FIXTURES / 'reviews_dev.csv'}", f"--output_dir={output_dir}", "--epochs=1",
            "--global_batch_size=8", *extra)


def _earlier_run(directory):
    """What an earlier fine-tuning run leaves: a model, its evaluation results and TensorBoard events."""
    (directory / "logs" / "eval").mkdir(parents=True)
    (directory / "logs" / "eval" / "events.out.tfevents.1.old").write_bytes(b"old events")
    (directory / "model.safetensors").write_bytes(b"old weights")
    (directory / "eval_results.json").write_text('{"accuracy": 0.9}', encoding="utf-8")
    (directory / "notes.txt").write_text("the user's own file", encoding="utf-8")


def test_finetune_refuses_an_earlier_run_and_replaces_it_cleanly_when_asked(spm_dir, tmp_path):
    out = tmp_path / "run"
    _earlier_run(out)
    refused = albert_tf(*_finetune_args(spm_dir, out))
    assert_one_line_error(refused, "finetune", f"output_dir {out} already holds an earlier run", "eval_results.json",
                          "model.safetensors", "--overwrite_output_dir")
    assert (out / "model.safetensors").read_bytes() == b"old weights"  # untouched

    done = albert_tf(*_finetune_args(spm_dir, out, "--overwrite_output_dir"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "model.safetensors").read_bytes() != b"old weights"
    assert not (out / "eval_results.json").exists(), "the stale evaluation must not sit beside the new model"
    assert not (out / "logs" / "eval" / "events.out.tfevents.1.old").exists()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the user's own file"  # never ours to remove
    assert f"TensorBoard: tensorboard --logdir {out / 'logs'}" in done.stdout


def test_config_override_typo_names_the_closest_field(spm_dir, tmp_path):
    done = albert_tf(*_finetune_args(spm_dir, tmp_path / "typo"), "--config_overrides=hiden_size=64")
    assert_one_line_error(done, "finetune", "unknown config field 'hiden_size'", "did you mean 'hidden_size'?")
    assert not (tmp_path / "typo" / "config.json").exists()


def _pretrain(records, spm_dir, model_dir, *extra, overrides=TINY_OVERRIDES):
    return albert_tf("pretrain", "--model_config=albert-base-v2", f"--config_overrides={overrides}",
                     f"--train_files={os.path.dirname(records.output_files[0])}/wiki*", f"--tokenizer={spm_dir}",
                     f"--model_dir={model_dir}", "--global_batch_size=4", "--save_checkpoints_steps=1",
                     "--log_every_steps=1", *extra)


def _summary(done):
    return json.loads(done.stdout[done.stdout.index("{\n"):])


def test_pretrain_resumes_the_same_run_and_names_what_changed(records, spm_dir, tmp_path):
    model_dir = tmp_path / "run"
    # The glob also matches wiki.stats.json, which create-pretraining-data wrote beside the shard.
    assert os.path.exists(os.path.join(os.path.dirname(records.output_files[0]), "wiki.stats.json"))
    first = _pretrain(records, spm_dir, model_dir, "--num_train_steps=2")
    assert first.returncode == 0, first.stderr[-3000:]
    assert f"TensorBoard: tensorboard --logdir {model_dir}" in first.stdout
    resumed = _pretrain(records, spm_dir, model_dir, "--num_train_steps=3")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert _summary(resumed)["restored_step"] == 2 and _summary(resumed)["global_step"] == 3

    changed = _pretrain(records, spm_dir, model_dir, "--num_train_steps=3",
                        overrides=TINY_OVERRIDES.replace("hidden_size=32", "hidden_size=64"))
    assert_one_line_error(changed, "pretrain", "run_config.json records a different run",
                          "model_config.hidden_size: 32 -> 64", "--overwrite_output_dir")

    restarted = _pretrain(records, spm_dir, model_dir, "--num_train_steps=1", "--overwrite_output_dir",
                          overrides=TINY_OVERRIDES.replace("hidden_size=32", "hidden_size=64"))
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    assert _summary(restarted)["restored_step"] == 0 and _summary(restarted)["global_step"] == 1
    with open(model_dir / "run_config.json", encoding="utf-8") as f:
        assert json.load(f)["model_config"]["hidden_size"] == 64
    events = [json.loads(line).get("event") for line in open(model_dir / "metrics.jsonl", encoding="utf-8")]
    assert events.count("start") == 1 and "restored" not in events  # the old run's log went with it


def test_pretrain_refuses_a_directory_of_something_else(records, spm_dir, tmp_path):
    model_dir = tmp_path / "other"
    (model_dir / "checkpoints").mkdir(parents=True)
    done = _pretrain(records, spm_dir, model_dir, "--num_train_steps=1")
    assert_one_line_error(done, "pretrain", f"model_dir {model_dir} holds checkpoints but no run_config.json",
                          "--overwrite_output_dir")


def test_train_tokenizer_refuses_existing_files_and_an_output_dir_that_is_a_file(tmp_path):
    corpus = FIXTURES / "reviews_train.csv"
    args = ("train-tokenizer", f"--input={corpus}", "--vocab_size=200", f"--output_dir={tmp_path / 'spm'}")
    assert albert_tf(*args).returncode == 0
    before = (tmp_path / "spm" / "spiece.model").read_bytes()
    refused = albert_tf(*args[:-2], "--vocab_size=150", args[-1])
    assert_one_line_error(refused, "train-tokenizer", "already holds an earlier run", "spiece.model",
                          "--overwrite_output_dir")
    assert (tmp_path / "spm" / "spiece.model").read_bytes() == before
    replaced = albert_tf(*args[:-2], "--vocab_size=150", args[-1], "--overwrite_output_dir")
    assert replaced.returncode == 0 and (tmp_path / "spm" / "spiece.model").read_bytes() != before

    a_file = tmp_path / "taken.txt"
    a_file.write_text("x", encoding="utf-8")
    done = albert_tf(*args[:-1], f"--output_dir={a_file}")
    assert_one_line_error(done, "train-tokenizer", f"output_dir {a_file} is a file, not a directory")

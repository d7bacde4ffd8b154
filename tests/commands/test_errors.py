"""One-line errors naming the cause, for every command (issue 15): `albert-tf COMMAND: reason` on stderr,
a non-zero exit, no traceback."""

import os
import shutil

from tests.commands.conftest import DATA, FIXTURES, TINY_OVERRIDES, albert_tf, assert_one_line_error

PRESETS_LISTED = "presets: albert-base-v1, albert-base-v2"


def test_unknown_preset_lists_the_presets_without_asking_the_hub(records, tmp_path):
    done = albert_tf("pretrain", "--model_config=albert-tiny-v9", f"--train_files={records.output_files[0]}",
                     f"--model_dir={tmp_path / 'run'}", "--num_train_steps=1")
    line = assert_one_line_error(done, "pretrain", "albert-tiny-v9", PRESETS_LISTED)
    assert "hub" not in line.replace("hub id", "")


def test_missing_local_directory_is_not_sent_to_the_hub(spm_dir, tmp_path):
    args = ("finetune", "--task=sequence_classification", f"--tokenizer={spm_dir}",
            f"--train_file={FIXTURES / 'reviews_train.csv'}", f"--output_dir={tmp_path / 'out'}")
    done = albert_tf(*args, f"--model={tmp_path / 'nope' / 'dir'}")
    line = assert_one_line_error(done, "finetune", f"No such model directory: {tmp_path / 'nope' / 'dir'}",
                                 PRESETS_LISTED)
    assert "download" not in line
    # owner/name could be a hub id: tried, and the one line says why it failed (tests run offline).
    done = albert_tf(*args, "--model=nope/dir")
    assert_one_line_error(done, "finetune", "Could not download 'nope/dir' from the hub",
                          "offline here (HF_HUB_OFFLINE=1)", PRESETS_LISTED)


def test_pretrain_names_a_file_that_is_not_records(records, spm_dir, tmp_path):
    done = albert_tf("pretrain", "--model_config=albert-base-v2", f"--config_overrides={TINY_OVERRIDES}",
                     f"--tokenizer={spm_dir}", f"--train_files={FIXTURES / 'reviews_train.csv'}",
                     f"--model_dir={tmp_path / 'run'}", "--num_train_steps=1")
    assert_one_line_error(done, "pretrain", f"{FIXTURES / 'reviews_train.csv'} is not a TFRecord file")
    assert not (tmp_path / "run").exists()  # checked before anything is written


def test_export_errors_are_one_line(model_dir, tmp_path):
    def export(model, *extra):
        return albert_tf("export", f"--model={model}", "--task=sequence_classification",
                         f"--export_dir={tmp_path / 'exports' / 'clf'}", "--max_length=32", *extra)

    assert_one_line_error(export(tmp_path / "missing"), "export", f"No such model directory: {tmp_path / 'missing'}")

    truncated = tmp_path / "truncated"
    shutil.copytree(model_dir, truncated)
    with open(truncated / "model.safetensors", "r+b") as f:
        f.truncate(64)
    assert_one_line_error(export(truncated), "export", f"{truncated / 'model.safetensors'}")

    wrong_types = tmp_path / "wrong_types"
    shutil.copytree(model_dir, wrong_types)
    text = (wrong_types / "config.json").read_text(encoding="utf-8")
    (wrong_types / "config.json").write_text(text.replace('"hidden_size": 32', '"hidden_size": "32"'),
                                             encoding="utf-8")
    assert_one_line_error(export(wrong_types), "export", f"{wrong_types / 'config.json'}", "hidden_size",
                          "'32'")

    # The entity flags reach the export options (and belong to token classification).
    assert_one_line_error(export(model_dir, "--aggregation_strategy=simple", "--stride=4"), "export",
                          "aggregation_strategy and stride apply to token_classification only")

    os.makedirs(tmp_path / "exports" / "clf" / "1")
    assert_one_line_error(export(model_dir, "--version=1"), "export", f"{tmp_path / 'exports' / 'clf' / '1'} already "
                          "exists")


def test_non_utf8_input_names_file_and_line(spm_dir, tmp_path):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("A first line.\nUn caf\u00e9 cr\u00e8me.\n".encode("latin-1"))
    done = albert_tf("train-tokenizer", f"--input={DATA / 'wiki_sample.txt'},{latin1}", "--vocab_size=300",
                     "--max_lines=100000", f"--output_dir={tmp_path / 'spm'}")
    assert_one_line_error(done, "train-tokenizer", f"{latin1}:2: not valid UTF-8")
    done = albert_tf("create-pretraining-data", f"--input_file={latin1}", f"--spm_model_file={spm_dir}",
                     f"--output_file={tmp_path / 'records' / 'x'}")
    assert_one_line_error(done, "create-pretraining-data", f"{latin1}:2: not valid UTF-8")

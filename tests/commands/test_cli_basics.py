"""The command line a user expects: help, version, per-command flags, fast TF-free start-up, tracebacks
only on request, and lean dependencies (issue 15)."""

import configparser
import io
import subprocess
import sys

import pytest

from albert_tf.cli import COMMANDS
from tests.commands.conftest import DATA, ENV, REPO, albert_tf

# Runs the CLI in-process like the console script, then reports whether TensorFlow was imported.
PROBE = ("import sys, runpy\n"
         "sys.argv = ['albert-tf'] + sys.argv[1:]\n"
         "try:\n"
         "    runpy.run_module('albert_tf.cli', run_name='__main__')\n"
         "except SystemExit as e:\n"
         "    assert e.code in (0, None), e.code\n"
         "print('TENSORFLOW_IMPORTED=%s' % ('tensorflow' in sys.modules))\n")


def _imports_tensorflow(*args) -> bool:
    done = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], env=ENV, cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return "TENSORFLOW_IMPORTED=True" in done.stdout


def test_top_level_help_lists_every_command_with_a_description():
    done = albert_tf("--help")
    assert done.returncode == 0
    for name in COMMANDS:
        line = next(line for line in done.stdout.splitlines() if line.strip().startswith(name + " "))
        assert len(line.split(None, 1)[1]) > 10, line  # a real one-line description
    assert "train an ALBERT SentencePiece model" in done.stdout


def test_version():
    from albert_tf import __version__

    done = albert_tf("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"albert-tf {__version__}"


def test_helpshort_prints_the_commands_own_flags():
    done = albert_tf("train-tokenizer", "--helpshort")
    assert done.returncode == 0
    assert "--vocab_size" in done.stdout and "--[no]overwrite_output_dir" in done.stdout
    assert "--verbosity" not in done.stdout  # absl's own flags are --helpfull's business


def test_saved_model_cli_subcommand_help_is_stock_saved_model_clis():
    from tensorflow.python.tools import saved_model_cli

    stock = subprocess.run([sys.executable, "-c", "import sys; from tensorflow.python.tools import saved_model_cli as c;"
                            "sys.argv[0] = 'albert-tf saved_model_cli'; c.create_parser().parse_args(['show', '-h'])"],
                           env=ENV, capture_output=True, text=True, timeout=300)
    ours = albert_tf("saved_model_cli", "show", "--help")
    assert ours.returncode == 0 and stock.returncode == 0
    assert ours.stdout == stock.stdout
    assert "--signature_def" in ours.stdout and saved_model_cli.__name__


@pytest.mark.parametrize("args", [["--help"]] + [[name, "--help"] for name in COMMANDS], ids=lambda a: " ".join(a))
def test_help_does_not_import_tensorflow(args):
    assert not _imports_tensorflow(*args)


def test_train_tokenizer_does_not_import_tensorflow(tmp_path):
    assert not _imports_tensorflow("train-tokenizer", f"--input={DATA / 'wiki_sample.txt'}", "--vocab_size=300",
                                   "--max_lines=300", f"--output_dir={tmp_path}")
    assert (tmp_path / "spiece.model").exists()


def test_debug_shows_the_traceback(tmp_path):
    args = ("train-tokenizer", f"--input={tmp_path / 'missing.txt'}", f"--output_dir={tmp_path / 'out'}")
    quiet = albert_tf(*args)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    assert quiet.stderr.strip() == f"albert-tf train-tokenizer: train_tokenizer: input file not found: {tmp_path / 'missing.txt'}"
    for extra_env, extra_args in (({"ALBERT_TF_DEBUG": "1"}, ()), ({}, ("--verbosity=1",))):
        loud = albert_tf(*args, *extra_args, env={**ENV, **extra_env})
        assert loud.returncode != 0 and "Traceback (most recent call last)" in loud.stderr, extra_env


def test_unexpected_arguments_are_a_usage_error(tmp_path):
    done = albert_tf("train-tokenizer", "stray", f"--input={DATA / 'wiki_sample.txt'}", f"--output_dir={tmp_path}")
    assert done.returncode == 2 and done.stderr.startswith("albert-tf train-tokenizer: unexpected arguments ['stray']")


def test_progress_bar_draws_on_a_terminal_only():
    from albert_tf.utils.progress import ProgressBar, progress_enabled

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    with ProgressBar(4, "export", unit="stages", stream=terminal) as bar:
        bar.update(1, "tracing")
        bar.update(3, "saving")
    assert "\rexport: 1/4 stages [" in terminal.getvalue() and "4/4 stages" in terminal.getvalue()
    assert terminal.getvalue().endswith("saving\n")
    assert progress_enabled(True, terminal) and not progress_enabled(False, terminal)
    assert not progress_enabled(True, io.StringIO())  # a pipe or a log file: no bar


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    done = albert_tf("train-tokenizer", f"--input={DATA / 'wiki_sample.txt'}", "--vocab_size=300", "--max_lines=300",
                     f"--output_dir={tmp_path}")
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]


def test_install_requires_is_lean():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    required = config["options"]["install_requires"]
    for name in ("keras-hub", "tensorflow-serving-api", "grpcio"):
        assert name not in required, name
    extras = config["options.extras_require"]
    assert "keras-hub" in extras["test"] and "tensorflow-serving-api" in extras["serving"]
    assert "tensorboard" in extras["tensorboard"]
    # The floors TensorFlow 2.21 itself imposes.
    assert "keras>=3.12" in required and "protobuf>=6.31.1" in required and "h5py>=3.11" in required
    # No module of the package imports keras_hub; the serving stack only where serving happens.
    for path in (REPO / "albert_tf").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import keras_hub" not in text and "from keras_hub" not in text, path
        if "tensorflow_serving" in text or "import grpc" in text:
            relative = path.relative_to(REPO / "albert_tf").as_posix()
            assert relative.startswith("serving/") or relative in (
                "commands/serve.py", "commands/predict.py", "demo.py", "export/warmup.py",
                "export/models_config.py"), relative

"""`albert-tf <command> [--flags]`: a thin dispatcher over the library.

Each command lives in ``albert_tf/commands/<command>.py``, defines its absl flags at import time and a
``main(argv)``. Only the chosen command's module is imported, so each command has its own flag set and
`albert-tf <command> --help` lists just those flags. Command modules import nothing heavy at import time:
``albert-tf --help`` and every ``COMMAND --help`` answer without loading TensorFlow.

Errors: any exception escaping a command is printed as one line, ``albert-tf COMMAND: reason``, on stderr
and the exit status is 1 (2 for usage errors, 130 for Ctrl-C); ``--verbosity=1`` or ``ALBERT_TF_DEBUG=1``
shows the traceback instead. Commands therefore just raise (``ValueError("...")``) with a clear message.

Example:
    $ albert-tf train-tokenizer --input=data/wiki_sample.txt --vocab_size=8000 --output_dir=/tmp/spm
    $ albert-tf finetune --config_overrides=hiden_size=64 ...
    albert-tf finetune: unknown config field 'hiden_size' in config_overrides (did you mean 'hidden_size'?)
"""

import ast
import importlib.abc
import importlib.util
import logging
import os
import sys

from albert_tf.commands import UsageError

# command name -> module under albert_tf.commands; the one place commands are listed.
COMMANDS = {
    "train-tokenizer": "train_tokenizer",
    "export": "export",
    "saved_model_cli": "saved_model_cli",
    "serve": "serve",
    "predict": "predict",
    "create-pretraining-data": "create_pretraining_data",
    "pretrain": "pretrain",
    "finetune": "finetune",
    "evaluate": "evaluate",
    "demo": "demo",
}
DEBUG_ENV = "ALBERT_TF_DEBUG"
HELP_FLAGS = ("-h", "--help", "-?", "--helpshort")
# Exceptions whose message is the whole story; for any other type the type name is shown too.
_PLAIN_ERRORS = (ValueError, OSError, RuntimeError)


def _spec(module: str):
    return importlib.util.find_spec(f"albert_tf.commands.{module}")


def description(command: str) -> str:
    """The first line of the command module's docstring, read without importing the module.

    >>> description("train-tokenizer")
    'train an ALBERT SentencePiece model and write tokenizer files.'
    """
    spec = _spec(COMMANDS[command])
    with open(spec.origin, encoding="utf-8") as f:
        doc = ast.get_docstring(ast.parse(f.read())) or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    prefix = f"`albert-tf {command}`:"
    return first[len(prefix):].strip() if first.startswith(prefix) else first


def _usage() -> str:
    available = [name for name, module in COMMANDS.items() if _spec(module) is not None]
    width = max(map(len, available))
    lines = [f"  {name:<{width}}  {description(name)}" for name in available]
    return ("usage: albert-tf <command> [--flags]\n\ncommands:\n" + "\n".join(lines) +
            "\n\n`albert-tf COMMAND --help` lists a command's flags; --verbosity=1 (or "
            f"{DEBUG_ENV}=1) shows tracebacks; `albert-tf --version`.")


def error_line(err: BaseException) -> str:
    """One line naming what went wrong: the message (its first line for TensorFlow's op errors, whose
    later lines are graph context), prefixed by the type for unexpected exception types.

    >>> error_line(FileNotFoundError("no such file: x.csv"))
    'no such file: x.csv'
    >>> error_line(KeyError("label"))
    "KeyError: 'label'"
    """
    text = str(err).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if type(err).__module__.startswith("tensorflow") and lines:
        lines = lines[:1]
    message = " ".join(lines)
    if not message:
        return type(err).__name__
    return message if isinstance(err, _PLAIN_ERRORS) else f"{type(err).__name__}: {message}"


def debug_requested() -> bool:
    """--verbosity >= 1 (absl's flag) or ALBERT_TF_DEBUG set to anything but 0/empty."""
    if os.environ.get(DEBUG_ENV, "").strip() not in ("", "0"):
        return True
    from absl import flags

    return flags.FLAGS.is_parsed() and flags.FLAGS.verbosity >= 1


def guarded(command: str, main):
    """``main`` with the one-line error handling described in the module docstring."""

    def run_main(argv):
        if not debug_requested():
            # TensorFlow's Python INFO lines (checkpoint "Sharding callback duration", SavedModel inputs
            # "renamed to unknown", "Writing fingerprint") would land inside the progress bars. Most go
            # through absl's logger, whose level follows --verbosity: app.run raises it to INFO unless
            # the command line sets it.
            logging.getLogger("tensorflow").setLevel(logging.WARNING)
            from absl import flags
            from absl import logging as absl_logging

            if not flags.FLAGS["verbosity"].present:
                absl_logging.set_verbosity(absl_logging.WARNING)
        try:
            return main(argv)
        except SystemExit:
            raise
        except KeyboardInterrupt:
            print(f"albert-tf {command}: interrupted", file=sys.stderr)
            sys.exit(130)
        except Exception as err:  # noqa: BLE001 (the one place every command's errors end up)
            if debug_requested():
                raise
            print(f"albert-tf {command}: {error_line(err)}", file=sys.stderr)
            from absl import app

            sys.exit(2 if isinstance(err, (UsageError, app.UsageError)) else 1)

    return run_main


def _print_help(command: str, module, args: list) -> None:
    from absl import flags

    own_help = getattr(module, "command_help", None)
    if own_help is not None and own_help(args):
        return
    own_flags = flags.FLAGS.module_help(module) or "(no flags)"
    if "--helpshort" in args:
        print(own_flags)
        return
    # absl's --help lists only the main module's key flags; ours live in the command module.
    print(f"usage: albert-tf {command} [--flags]\n{(module.__doc__ or '').strip()}\n\n{own_flags}\n\n"
          f"--verbosity=1 or {DEBUG_ENV}=1: show tracebacks; --helpfull: every flag, absl's included.")


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Imports ``tensorflow`` (whenever a command first does) with file descriptor 2 pointed at /dev/null.

    TensorFlow 2.21 logs its start-up lines (oneDNN, "Could not find cuda drivers", cuInit failures)
    through absl's C++ logging before TF_CPP_MIN_LOG_LEVEL applies, twice per process; they are noise
    for a CLI user. Python exceptions are unaffected: a failing import still surfaces as one error line.
    """

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once: find the real spec, then wrap its loader
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def quiet_exec_module(module):
            sys.stderr.flush()
            saved = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            try:
                exec_module(module)
                module.config.list_physical_devices()  # device discovery logs its CUDA failure here, not later
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                os.close(devnull)

        spec.loader.exec_module = quiet_exec_module
        return spec


def _quiet_tensorflow(args: list) -> None:
    """Silences TensorFlow's start-up logging unless --verbosity or ALBERT_TF_DEBUG asks for detail."""
    if any(arg.startswith(("--verbosity", "-v")) for arg in args) or os.environ.get(DEBUG_ENV):
        return
    # TensorFlow's C++ log lines once it runs, ERROR included: those that matter end the command as a
    # Python exception (one line); the rest ("oneDNN supports DT_INT64 only on platforms with AVX-512" from
    # graph optimization) would land inside the progress bars. A TF_CPP_MIN_LOG_LEVEL the user set wins.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        sys.meta_path.insert(0, _QuietTensorFlowImport())


def run(argv=None) -> None:
    """The ``albert-tf`` console script."""
    try:
        _dispatch(list(sys.argv if argv is None else argv))
    except BrokenPipeError:  # `albert-tf --help | head`: the reader left; no traceback for that
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


def _dispatch(argv: list) -> None:
    if len(argv) < 2 or argv[1] in ("-h", "--help", "help", "--helpshort"):
        print(_usage())
        sys.exit(0 if len(argv) >= 2 else 2)
    if argv[1] == "--version":
        from albert_tf import __version__

        print(f"albert-tf {__version__}")
        sys.exit(0)
    command = argv[1]
    module_name = COMMANDS.get(command)
    if module_name is None or _spec(module_name) is None:
        print(f"albert-tf: unknown command {command!r}\n{_usage()}", file=sys.stderr)
        sys.exit(2)
    _quiet_tensorflow(argv[2:])
    module = importlib.import_module(f"albert_tf.commands.{module_name}")
    from absl import app, flags

    if any(arg in HELP_FLAGS for arg in argv[2:]):
        _print_help(command, module, argv[2:])
        sys.exit(0)
    define_late_flags = getattr(module, "define_late_flags", None)
    if define_late_flags is not None:
        define_late_flags()  # flags of a heavy dependency (saved_model_cli: TensorFlow's own)
    program_argv = [f"albert-tf {command}"] + argv[2:]
    try:
        flags.FLAGS(program_argv)  # parsed again by app.run; here a bad flag becomes one line, not absl's two
    except flags.Error as err:
        reason = "; ".join(line.strip() for line in str(err).splitlines() if line.strip())
        print(f"albert-tf {command}: {reason} (see `albert-tf {command} --help`)", file=sys.stderr)
        sys.exit(2)
    app.run(guarded(command, module.main), argv=program_argv)


if __name__ == "__main__":
    run()

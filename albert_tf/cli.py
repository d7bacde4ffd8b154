"""`albert-tf <command> [--flags]`: a thin dispatcher over the library.

Each command lives in ``albert_tf/commands/<command>.py``, defines its absl flags at import time and a
``main(argv)``. Only the chosen command's module is imported, so each command has its own flag set and
`albert-tf <command> --help` lists just those flags.

Example:
    $ albert-tf train-tokenizer --input=data/wiki_sample.txt --vocab_size=8000 --output_dir=/tmp/spm
"""

import importlib
import sys

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


def _usage() -> str:
    available = [name for name, module in COMMANDS.items() if _module_exists(module)]
    return "usage: albert-tf <command> [--flags]\ncommands: " + ", ".join(available)


def _module_exists(module: str) -> bool:
    return importlib.util.find_spec(f"albert_tf.commands.{module}") is not None


def run(argv=None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) < 2 or argv[1] in ("-h", "--help", "help"):
        print(_usage())
        sys.exit(0 if len(argv) >= 2 else 2)
    command = argv[1]
    module_name = COMMANDS.get(command)
    if module_name is None or not _module_exists(module_name):
        print(f"albert-tf: unknown command {command!r}\n{_usage()}", file=sys.stderr)
        sys.exit(2)
    module = importlib.import_module(f"albert_tf.commands.{module_name}")
    from absl import app, flags

    if any(arg in ("-h", "--help", "-?") for arg in argv[2:]):
        # absl's --help lists only the main module's key flags; ours live in the command module.
        print(f"usage: albert-tf {command} [--flags]\n{(module.__doc__ or '').strip()}\n")
        print(flags.FLAGS.module_help(module) or "(no flags)")
        sys.exit(0)

    app.run(module.main, argv=[f"albert-tf {command}"] + argv[2:])


if __name__ == "__main__":
    run()

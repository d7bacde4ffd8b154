"""`albert-tf saved_model_cli`: TensorFlow's saved_model_cli with tensorflow-text ops registered first.

Stock ``saved_model_cli run`` never imports tensorflow_text, so loading an export with in-graph
tokenization fails with ``Op type not registered 'SentencepieceOp'``. This wrapper registers the
tensorflow-text ops, then runs TensorFlow's own subcommands with TensorFlow's own flags.

Example:
    $ albert-tf saved_model_cli show --dir=/models/sst2/1 --all
    $ albert-tf saved_model_cli run --dir=/models/sst2/1 --tag_set=serve --signature_def=serving_default \\
        --input_exprs='text=["A quiet, moving film."]'
"""

import sys

from absl import flags

from albert_tf.commands import UsageError

FLAGS = flags.FLAGS

# Subcommand -> name of TensorFlow's implementation (all read the absl flags TensorFlow's module defines).
SUBCOMMANDS = {
    "show": "show",
    "run": "run",
    "scan": "scan",
    "convert": "convert_with_tensorrt",  # `convert tensorrt`, TensorFlow's only converter
    "freeze_model": "freeze_model",
    "aot_compile_cpu": "aot_compile_cpu",
}
USAGE = ("usage: albert-tf saved_model_cli {show,run,scan,convert tensorrt,freeze_model,aot_compile_cpu} "
         "--dir=SAVED_MODEL_DIR [flags]\n"
         "Same subcommands and flags as TensorFlow's saved_model_cli; see "
         "`albert-tf saved_model_cli <command> --help`.")


def _tf_cli():
    """TensorFlow's saved_model_cli module, with tensorflow-text's ops registered first. Imported only to
    run a subcommand: `albert-tf saved_model_cli --help` answers without TensorFlow."""
    import tensorflow_text  # noqa: F401  (registers SentencepieceOp & co. before any graph is imported)
    from tensorflow.python.tools import saved_model_cli

    return saved_model_cli


def define_late_flags() -> None:
    """Called by the dispatcher before parsing: importing TensorFlow's module defines its flags."""
    _tf_cli()


def command_help(args) -> bool:
    """`saved_model_cli SUBCOMMAND --help` prints stock saved_model_cli's help for it; the bare --help
    prints USAGE. Returns True (handled)."""
    positional = [a for a in args if not a.startswith("-")]
    if positional and positional[0] in SUBCOMMANDS:
        tf_cli = _tf_cli()
        sys.argv[0] = "albert-tf saved_model_cli"  # argparse names the program (and subcommands) after it
        parser = tf_cli.create_parser()
        words = positional[:2] if positional[:2] == ["convert", "tensorrt"] else positional[:1]
        parser.parse_args(words + ["--help"])  # argparse prints the help and exits 0
    print(USAGE)
    return True


def main(argv):
    positional = argv[1:]
    if positional[:2] == ["convert", "tensorrt"]:
        positional = ["convert"]
    if len(positional) != 1 or positional[0] not in SUBCOMMANDS:
        raise UsageError(USAGE.replace("\n", " "))
    command = positional[0]
    tf_cli = _tf_cli()
    missing = [name for name in tf_cli.command_required_flags.get(command, []) if FLAGS[name].value is None]
    if missing:
        raise UsageError(f"{command}: missing required flag(s): " + ", ".join("--" + name for name in missing))
    getattr(tf_cli, SUBCOMMANDS[command])()

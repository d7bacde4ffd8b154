"""`albert-tf saved_model_cli`: TensorFlow's saved_model_cli with tensorflow-text ops registered first.

Stock ``saved_model_cli run`` never imports tensorflow_text, so loading an export with in-graph
tokenization fails with ``Op type not registered 'SentencepieceOp'``. This wrapper registers the
tensorflow-text ops, then runs TensorFlow's own subcommands with TensorFlow's own flags.

Example:
    $ albert-tf saved_model_cli show --dir=/models/sst2/1 --all
    $ albert-tf saved_model_cli run --dir=/models/sst2/1 --tag_set=serve --signature_def=serving_default \\
        --input_exprs='text=["A quiet, moving film."]'
"""

import tensorflow_text  # noqa: F401  (registers SentencepieceOp & co. before any graph is imported)
from absl import flags
from tensorflow.python.tools import saved_model_cli as _tf_cli  # defines TF's saved_model_cli flags

FLAGS = flags.FLAGS

# Subcommand -> TensorFlow's implementation (all read the absl flags TensorFlow's module defined).
SUBCOMMANDS = {
    "show": _tf_cli.show,
    "run": _tf_cli.run,
    "scan": _tf_cli.scan,
    "convert": _tf_cli.convert_with_tensorrt,  # `convert tensorrt`, TensorFlow's only converter
    "freeze_model": _tf_cli.freeze_model,
    "aot_compile_cpu": _tf_cli.aot_compile_cpu,
}
USAGE = ("usage: albert-tf saved_model_cli {show,run,scan,convert tensorrt,freeze_model,aot_compile_cpu} "
         "--dir=SAVED_MODEL_DIR [flags]\n"
         "Same subcommands and flags as TensorFlow's saved_model_cli; see `saved_model_cli <command> --help`.")


def main(argv):
    positional = argv[1:]
    if positional[:2] == ["convert", "tensorrt"]:
        positional = ["convert"]
    if len(positional) != 1 or positional[0] not in SUBCOMMANDS:
        raise SystemExit(USAGE)
    command = positional[0]
    missing = [name for name in _tf_cli.command_required_flags.get(command, []) if FLAGS[name].value is None]
    if missing:
        raise SystemExit(f"albert-tf saved_model_cli {command}: missing required flag(s): "
                         + ", ".join("--" + name for name in missing))
    SUBCOMMANDS[command]()

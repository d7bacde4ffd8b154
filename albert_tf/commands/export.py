"""`albert-tf export`: a model directory -> a versioned TF Serving SavedModel.

Example:
    $ albert-tf export --model=runs/sst2 --task=sequence_classification --export_dir=/models/sst2 --max_length=128
    /models/sst2/1
"""

from absl import flags

from albert_tf.commands import reject_positional
from albert_tf.export.options import ExportOptions
from albert_tf.export.signatures import TASKS
from albert_tf.tasks.token_classification import AggregationStrategy

FLAGS = flags.FLAGS
# The export options' defaults are written once, in ExportOptions; the flags show them.
_DEFAULTS = ExportOptions.field_defaults()

flags.DEFINE_string("model", None, "Model directory: config.json + weights + spiece.model.", required=True)
flags.DEFINE_enum("task", None, list(TASKS), "Head to export (its model class loads the weights).", required=True)
flags.DEFINE_string("export_dir", None, "BASE/NAME: the version is written to BASE/NAME/<version>/.", required=True)
flags.DEFINE_integer("version", None, "Integer version; default: the next free one. Never overwrites.", lower_bound=0)
flags.DEFINE_integer("max_length", None, "Truncation length of the in-graph tokenizer (special tokens included); "
                     "default: the model's max_position_embeddings.", lower_bound=3)
flags.DEFINE_bool("text_pair", _DEFAULTS["text_pair"],
                  "sequence_classification: the model was trained on (text, text_pair).")
flags.DEFINE_bool("ids_only", _DEFAULTS["ids_only"], "Export token-id signatures only (no tokenizer ops): stock "
                  "saved_model_cli and any TensorFlow build can run it.")
flags.DEFINE_integer("top_k", _DEFAULTS["top_k"], "masked_lm / pretraining: predictions per [MASK].", lower_bound=1)
flags.DEFINE_integer("max_seq_len", None, "question_answering: tokens per context window (question and special "
                     "tokens included); default min(384, max_length).", lower_bound=4)
flags.DEFINE_integer("doc_stride", None, "question_answering: context tokens shared by consecutive windows; "
                     "default min(max_seq_len // 2, 128).", lower_bound=0)
flags.DEFINE_integer("max_question_len", _DEFAULTS["max_question_len"], "question_answering: question tokens kept.",
                     lower_bound=1)
flags.DEFINE_integer("max_answer_len", _DEFAULTS["max_answer_len"], "question_answering: longest answer in tokens.",
                     lower_bound=1)
flags.DEFINE_integer("max_answer_length", None, "Former name of --max_answer_len.", lower_bound=1)
flags.DEFINE_bool("handle_impossible_answer", _DEFAULTS["handle_impossible_answer"],
                  "question_answering: answer '' when the [CLS] (null) score "
                  "beats every span, as HF's pipeline option.")
flags.DEFINE_enum("aggregation_strategy", None, [s.value for s in AggregationStrategy],
                  "token_classification: return entities as HF's pipeline with this aggregation (default: a label "
                  "per token of the first max_length tokens).")
flags.DEFINE_integer("stride", None, "token_classification with --aggregation_strategy: cut texts longer than "
                     "max_length into windows sharing this many tokens (default: truncate).", lower_bound=0)
flags.DEFINE_integer("num_chunks", _DEFAULTS["num_chunks"], "Length-sorted sub-batches per request.", lower_bound=1)
flags.DEFINE_integer("pad_to_multiple_of", _DEFAULTS["pad_to_multiple_of"], "Sub-batch padding multiple.",
                     lower_bound=1)
flags.DEFINE_bool("check_ops", True, "Fail unless every op is TensorFlow core or tensorflow-text.")
flags.DEFINE_bool("progress_bar", True, "Show the export's stages (tracing, warmup check, saving) on a terminal.")


def main(argv):
    reject_positional(argv)
    from albert_tf.export import warmup

    warmup.require_serving_api()  # before the slow part: the warmup records are TF Serving protos

    from albert_tf import modeling
    from albert_tf.export import export_saved_model, signatures
    from albert_tf.tokenization import AlbertTokenizer

    model_class = getattr(modeling, signatures.TASK_MODEL_CLASSES[FLAGS.task])
    config = modeling.AlbertConfig.from_pretrained(FLAGS.model)  # names config.json and the field on bad types
    model = model_class.from_pretrained(FLAGS.model, config=config)
    tokenizer = AlbertTokenizer.from_pretrained(FLAGS.model)
    options = ExportOptions.from_values(FLAGS.task, **{name: FLAGS[name].value for name in _DEFAULTS})
    path = export_saved_model(model, tokenizer, FLAGS.export_dir, version=FLAGS.version, options=options,
                              check_ops=FLAGS.check_ops, progress=FLAGS.progress_bar)
    print(path)

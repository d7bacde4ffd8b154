"""`albert-tf evaluate`: score a fine-tuned model on a data file; prints the metrics and writes them as JSON.

Example:
    $ albert-tf evaluate --task=sequence_classification --model=/tmp/reviews --eval_file=dev.csv
    $ albert-tf evaluate --task=squad --model=/tmp/squad --eval_file=dev-v2.0.json --predictions_file=/tmp/preds.json
"""

import json
import os
import sys

from absl import flags

from albert_tf.commands import reject_positional
from albert_tf.tasks.base import QA_DECODINGS, TOKEN_DECODINGS, WORD_AGGREGATIONS
from albert_tf.utils.progress import progress_enabled

FLAGS = flags.FLAGS
flags.DEFINE_string("task", None, "sequence_classification, token_classification, question_answering or "
                    "multiple_choice (or an alias: classification, regression, ner, squad, qa, mc).")
flags.DEFINE_string("model", None, "Fine-tuned model directory (albert-tf finetune's output_dir).")
flags.DEFINE_string("eval_file", None, "Labelled data in the task's format.")
flags.DEFINE_string("tokenizer", None, "Tokenizer directory (default: the model directory's spiece.model).")
flags.DEFINE_integer("batch_size", 32, "Rows per batch.")
flags.DEFINE_integer("max_seq_length", None, "Default: what the model was fine-tuned with.")
flags.DEFINE_integer("doc_stride", None, "Question answering; default: as fine-tuned.")
flags.DEFINE_integer("max_query_length", None, "Question answering; default: as fine-tuned.")
flags.DEFINE_integer("max_answer_length", None, "Question answering; default: as fine-tuned.")
flags.DEFINE_integer("n_best_size", None, "Question answering; default: as fine-tuned.")
flags.DEFINE_float("null_score_diff_threshold", None, "SQuAD v2.0; default: as fine-tuned.")
flags.DEFINE_enum("qa_decoding", None, list(QA_DECODINGS), "Question answering: 'pipeline' (HF's "
                  "pipeline rules, as the export answers) or 'squad_nbest' (run_qa's n-best); default: as fine-tuned.")
flags.DEFINE_enum("token_decoding", None, list(TOKEN_DECODINGS), "Token classification: 'first_piece' (run_ner) or "
                  "'pipeline' (HF's pipeline with stride windows, as the export); default: as fine-tuned.")
flags.DEFINE_enum("aggregation_strategy", None, list(WORD_AGGREGATIONS), "Token classification with "
                  "--token_decoding=pipeline: how a word's pieces give its label; default: as fine-tuned.")
flags.DEFINE_string("output_file", None, "Metrics JSON (default: MODEL/eval_results.json, replaced).")
flags.DEFINE_string("predictions_file", None, "Also write the predictions (SQuAD: {id: answer}).")
flags.DEFINE_bool("progress_bar", True, "Show a progress bar over the examples (on a terminal).")
flags.mark_flags_as_required(["task", "model", "eval_file"])


def main(argv):
    reject_positional(argv)
    from albert_tf.finetuning import evaluate
    from albert_tf.finetuning.trainer import EVAL_RESULTS_FILE

    output_file = FLAGS.output_file or os.path.join(FLAGS.model, EVAL_RESULTS_FILE)
    metrics = evaluate(
        FLAGS.task, FLAGS.model, FLAGS.eval_file, tokenizer=FLAGS.tokenizer, batch_size=FLAGS.batch_size,
        max_seq_length=FLAGS.max_seq_length, doc_stride=FLAGS.doc_stride, max_query_length=FLAGS.max_query_length,
        max_answer_length=FLAGS.max_answer_length, n_best_size=FLAGS.n_best_size,
        null_score_diff_threshold=FLAGS.null_score_diff_threshold, qa_decoding=FLAGS.qa_decoding,
        token_decoding=FLAGS.token_decoding, aggregation_strategy=FLAGS.aggregation_strategy, output_file=output_file,
        predictions_file=FLAGS.predictions_file, progress=progress_enabled(FLAGS.progress_bar, sys.stdout),
    )
    print(json.dumps(metrics, indent=2))

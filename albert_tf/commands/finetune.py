"""`albert-tf finetune`: fine-tune ALBERT on a classification, CoNLL, SQuAD or multiple-choice file.

The output directory becomes a model directory (config.json with id2label, model.safetensors, tokenizer
files) holding the best epoch by the eval metric, plus metrics.json and TensorBoard logs (logs/).

KERAS_BACKEND picks the data path: tensorflow (the default) feeds fit() through tf.data under a
tf.distribute --strategy; jax and torch feed it numpy batches on one device and need no TensorFlow at run
time (--strategy other than default/one_device and --tpu are refused; without TensorFlow installed there
are no event files in logs/, metrics.json has the numbers).

Examples:
    $ albert-tf finetune --task=sequence_classification --model=/tmp/run/pretrained \\
        --train_file=train.csv --eval_file=dev.csv --output_dir=/tmp/reviews --epochs=3 --learning_rate=5e-5
    $ KERAS_BACKEND=jax albert-tf finetune --task=sequence_classification --model=/tmp/run/pretrained \\
        --train_file=train.csv --eval_file=dev.csv --output_dir=/tmp/reviews_jax
    $ albert-tf finetune --task=squad --model=albert-base-v2 --tokenizer=/tmp/spm \\
        --config_overrides=hidden_size=256,num_attention_heads=4,intermediate_size=1024 \\
        --train_file=train-v2.0.json --eval_file=dev-v2.0.json --output_dir=/tmp/squad --max_seq_length=384
"""

import json

from absl import flags

from albert_tf.commands import reject_positional
from albert_tf.tasks.base import QA_DECODINGS, TOKEN_DECODINGS, WORD_AGGREGATIONS

FLAGS = flags.FLAGS
flags.DEFINE_string("task", None, "sequence_classification (alias: classification; regression sets num_labels=1), "
                    "token_classification (ner), question_answering (squad, qa) or multiple_choice (mc).")
flags.DEFINE_string("model", None, "Model directory (fine-tuned, pre-trained or TF1), bare preset name such as "
                    "albert-base-v2 or a config.json (random init), or an owner/name hub id.")
flags.DEFINE_string("train_file", None, "Training data: CSV/TSV/JSONL, CoNLL, SQuAD JSON or multiple-choice JSONL.")
flags.DEFINE_string("eval_file", None, "Evaluation data in the same format; picks the best epoch.")
flags.DEFINE_string("output_dir", None, "Model directory to write (best epoch), with metrics.json and logs/.")
flags.DEFINE_string("tokenizer", None, "Directory with spiece.model (needed for a preset or config.json).")
flags.DEFINE_integer("num_labels", None, "Classification outputs (default: the training labels); 1 = regression.")
flags.DEFINE_integer("max_seq_length", None, "Pieces per row (default 128; 384 for question answering).")
flags.DEFINE_float("learning_rate", 3e-5, "Peak AdamW learning rate.")
flags.DEFINE_integer("epochs", 3, "Passes over the training data.")
flags.DEFINE_integer("global_batch_size", 32, "Examples per step over all replicas.")
flags.DEFINE_integer("eval_batch_size", None, "Evaluation batch size (default: global_batch_size).")
flags.DEFINE_float("warmup_ratio", 0.1, "Fraction of the steps with linear warmup (then linear decay to 0).")
flags.DEFINE_float("weight_decay", 0.01, "Decoupled weight decay (not on LayerNorm weights and biases).")
flags.DEFINE_float("clip_norm", 1.0, "Global-norm gradient clipping (0 disables).")
flags.DEFINE_integer("seed", 0, "Seed for initialisation and shuffling.")
flags.DEFINE_enum("strategy", "default", ["default", "one_device", "mirrored", "multi_worker", "tpu"],
                  "tf.distribute strategy, as for pretraining (multi_worker is not supported by Keras fit). "
                  "KERAS_BACKEND=tensorflow only: on jax and torch (numpy batches, no TensorFlow) finetune runs "
                  "on one device and accepts default and one_device only.")
flags.DEFINE_string("tpu", None, "TPU name, grpc://host:8470, or 'local' (with --strategy=tpu; TensorFlow backend).")
flags.DEFINE_enum("mixed_precision", "none", ["none", "float16", "bfloat16"], "Compute dtype.")
flags.DEFINE_list("config_overrides", [], "Config fields to set, key=value,... (e.g. classifier_dropout_prob=0.0; "
                  "shape fields only for a preset or config.json).")
flags.DEFINE_integer("doc_stride", 128, "Question answering: pieces shared by consecutive context windows.")
flags.DEFINE_integer("max_query_length", 64, "Question answering: question pieces kept.")
flags.DEFINE_integer("max_answer_length", 30, "Question answering: longest answer, in pieces.")
flags.DEFINE_integer("n_best_size", 20, "Question answering: start/end candidates per window.")
flags.DEFINE_float("null_score_diff_threshold", 0.0, "SQuAD v2.0: answer only if the best span beats the null "
                   "answer by more than this.")
flags.DEFINE_enum("qa_decoding", "pipeline", list(QA_DECODINGS), "Question answering evaluation: 'pipeline' "
                  "(HF's pipeline rules, as the export answers) or 'squad_nbest' (run_qa's n-best).")
flags.DEFINE_enum("token_decoding", "first_piece", list(TOKEN_DECODINGS), "Token classification evaluation: "
                  "'first_piece' (run_ner) or 'pipeline' (HF's pipeline with stride windows, as the export).")
flags.DEFINE_enum("aggregation_strategy", "first", list(WORD_AGGREGATIONS), "Token classification with "
                  "--token_decoding=pipeline: how a word's pieces give its label.")
flags.DEFINE_integer("max_train_examples", None, "Use only the first N training examples.")
flags.DEFINE_bool("progress_bar", True, "Show Keras's progress bar and per-epoch eval lines.")
flags.DEFINE_bool("overwrite_output_dir", False, "Replace the earlier run in --output_dir (its model, metrics and "
                  "logs are removed first); without it such a directory is refused.")
flags.mark_flags_as_required(["task", "model", "train_file", "output_dir"])


def main(argv):
    reject_positional(argv)
    import logging

    from albert_tf.finetuning import finetune
    from albert_tf.finetuning.trainer import OUTPUT_ARTIFACTS
    from albert_tf.training.config_overrides import parse_config_overrides
    from albert_tf.utils.output_dir import prepare_output_dir

    logging.getLogger("albert_tf").setLevel(logging.INFO)
    logging.getLogger("tensorflow").setLevel(logging.WARNING)
    overrides = parse_config_overrides(FLAGS.config_overrides)  # a typo fails now, not after loading data
    prepare_output_dir(FLAGS.output_dir, OUTPUT_ARTIFACTS, FLAGS.overwrite_output_dir)
    result = finetune(
        FLAGS.task, FLAGS.model, FLAGS.train_file, FLAGS.eval_file, FLAGS.output_dir,
        tokenizer=FLAGS.tokenizer, num_labels=FLAGS.num_labels, max_seq_length=FLAGS.max_seq_length,
        learning_rate=FLAGS.learning_rate, epochs=FLAGS.epochs, global_batch_size=FLAGS.global_batch_size,
        eval_batch_size=FLAGS.eval_batch_size, warmup_ratio=FLAGS.warmup_ratio, weight_decay=FLAGS.weight_decay,
        clip_norm=FLAGS.clip_norm or None, seed=FLAGS.seed, strategy=FLAGS.strategy, tpu=FLAGS.tpu,
        mixed_precision=FLAGS.mixed_precision, config_overrides=overrides,
        doc_stride=FLAGS.doc_stride, max_query_length=FLAGS.max_query_length,
        max_answer_length=FLAGS.max_answer_length, n_best_size=FLAGS.n_best_size,
        null_score_diff_threshold=FLAGS.null_score_diff_threshold, qa_decoding=FLAGS.qa_decoding,
        token_decoding=FLAGS.token_decoding, aggregation_strategy=FLAGS.aggregation_strategy,
        max_train_examples=FLAGS.max_train_examples, verbose=FLAGS.progress_bar,
    )
    summary = {k: result[k] for k in ("task", "primary_metric", "best_metric", "best_epoch", "best_checkpoint_dir",
                                      "metrics")}
    print(json.dumps(summary, indent=2))

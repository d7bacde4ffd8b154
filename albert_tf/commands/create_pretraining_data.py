"""`albert-tf create-pretraining-data`: n-gram masked LM + sentence-order records, sharded TFRecords.

Example:
    $ albert-tf create-pretraining-data --input_file=data/wiki_sample.txt --spm_model_file=/tmp/spm/spiece.model \\
        --output_file=/tmp/data/wiki --max_seq_length=128 --max_predictions_per_seq=20 --ngram=3 \\
        --dupe_factor=10 --random_seed=12345 --num_shards=4
"""

import json

from absl import flags

from albert_tf.commands import reject_positional

FLAGS = flags.FLAGS
flags.DEFINE_string("input_file", None, "Glob(s), comma-separated, of text files: one sentence or paragraph a line, "
                    "a blank line between documents.")
flags.DEFINE_string("spm_model_file", None, "spiece.model (its tokenizer_config.json beside it is honoured) or a "
                    "tokenizer directory.")
flags.DEFINE_string("output_file", None, "Output prefix: writes PREFIX-00000-of-0000K.tfrecord ... and "
                    "PREFIX.stats.json.")
flags.DEFINE_integer("max_seq_length", 512, "Tokens per sequence, [CLS] and [SEP]s included.")
flags.DEFINE_integer("max_predictions_per_seq", 20, "Cap on masked-LM predictions per sequence.")
flags.DEFINE_integer("ngram", 3, "Longest n-gram (in words) masked as a unit; lengths drawn with p ∝ 1/n.")
flags.DEFINE_integer("dupe_factor", 10, "Passes over the corpus, each with fresh masks and pairs.")
flags.DEFINE_integer("random_seed", 12345, "Seed: the same seed and inputs give identical files.")
flags.DEFINE_integer("num_shards", 1, "Number of output files (instances are written round-robin).")
flags.DEFINE_float("masked_lm_prob", 0.15, "Share of tokens to predict (before the per-sequence cap).")
flags.DEFINE_float("short_seq_prob", 0.1, "Probability of a shorter random target length for a document.")
flags.DEFINE_bool("split_sentences", True, "Split lines into sentences (segments for SOP) with a punctuation rule.")
flags.DEFINE_integer("max_documents", None, "Read at most this many documents.")
flags.DEFINE_bool("progress_bar", True, "Show a progress bar (on a terminal).")
flags.mark_flags_as_required(["input_file", "spm_model_file", "output_file"])


def main(argv):
    reject_positional(argv)
    import logging

    from albert_tf.pretraining.data import create_pretraining_data

    logging.getLogger("albert_tf").setLevel(logging.INFO)
    report = create_pretraining_data(
        FLAGS.input_file, FLAGS.spm_model_file, FLAGS.output_file, max_seq_length=FLAGS.max_seq_length,
        max_predictions_per_seq=FLAGS.max_predictions_per_seq, ngram=FLAGS.ngram, dupe_factor=FLAGS.dupe_factor,
        random_seed=FLAGS.random_seed, num_shards=FLAGS.num_shards, masked_lm_prob=FLAGS.masked_lm_prob,
        short_seq_prob=FLAGS.short_seq_prob, sentence_split=FLAGS.split_sentences,
        max_documents=FLAGS.max_documents, progress=FLAGS.progress_bar)
    for path in report.output_files:
        print(path)
    print(json.dumps(report.summary(), indent=2, sort_keys=True))

"""`albert-tf train-tokenizer`: train an ALBERT SentencePiece model and write tokenizer files.

Example:
    $ albert-tf train-tokenizer --input=data/wiki_sample.txt,data/reviews.csv --vocab_size=8000 --output_dir=/tmp/spm
"""

from absl import flags

FLAGS = flags.FLAGS
flags.DEFINE_list("input", None, "Comma-separated text files (one text a line) or .csv files with a 'text' column.")
flags.DEFINE_integer("vocab_size", 30000, "Vocabulary size including <pad>, <unk>, [CLS], [SEP], [MASK].")
flags.DEFINE_string("output_dir", None, "Directory for spiece.model, tokenizer_config.json, special_tokens_map.json.")
flags.DEFINE_bool("do_lower_case", True, "Lowercase training text and record it in tokenizer_config.json.")
flags.DEFINE_bool("keep_accents", False, "Keep accents (no NFKD accent stripping).")
flags.DEFINE_integer("max_lines", 1_000_000, "Read at most this many non-empty lines.")
flags.DEFINE_integer("model_max_length", 512, "model_max_length written to tokenizer_config.json.")
flags.mark_flags_as_required(["input", "output_dir"])


def main(argv):
    if len(argv) > 1:
        raise SystemExit(f"unexpected arguments: {argv[1:]}")
    from albert_tf.tokenization.training import train_tokenizer

    try:
        path = train_tokenizer(FLAGS.input, FLAGS.vocab_size, FLAGS.output_dir, do_lower_case=FLAGS.do_lower_case,
                               keep_accents=FLAGS.keep_accents, max_lines=FLAGS.max_lines,
                               model_max_length=FLAGS.model_max_length)
    except (FileNotFoundError, ValueError) as err:
        raise SystemExit(f"train-tokenizer: {err}") from None
    print(path)

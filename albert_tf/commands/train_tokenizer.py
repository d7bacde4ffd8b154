"""`albert-tf train-tokenizer`: train an ALBERT SentencePiece model and write tokenizer files.

Example:
    $ albert-tf train-tokenizer --input=data/wiki_sample.txt,data/reviews.csv --vocab_size=8000 --output_dir=/tmp/spm
"""

from absl import flags

from albert_tf.commands import reject_positional
from albert_tf.utils.io import name_invalid_utf8
from albert_tf.utils.output_dir import prepare_output_dir
from albert_tf.utils.progress import ProgressBar, progress_enabled, ticking

FLAGS = flags.FLAGS
flags.DEFINE_list("input", None, "Comma-separated text files (one text a line) or .csv files with a 'text' column.")
flags.DEFINE_integer("vocab_size", 30000, "Vocabulary size including <pad>, <unk>, [CLS], [SEP], [MASK].")
flags.DEFINE_string("output_dir", None, "Directory for spiece.model, tokenizer_config.json, special_tokens_map.json.")
flags.DEFINE_bool("do_lower_case", True, "Lowercase training text and record it in tokenizer_config.json.")
flags.DEFINE_bool("keep_accents", False, "Keep accents (no NFKD accent stripping).")
flags.DEFINE_integer("max_lines", 1_000_000, "Read at most this many non-empty lines.")
flags.DEFINE_integer("model_max_length", 512, "model_max_length written to tokenizer_config.json.")
flags.DEFINE_bool("overwrite_output_dir", False, "Replace the tokenizer files already in --output_dir; without it "
                  "such a directory is refused.")
flags.DEFINE_bool("progress_bar", True, "Show a progress indicator (on a terminal).")
flags.mark_flags_as_required(["input", "output_dir"])


def main(argv):
    reject_positional(argv)
    from albert_tf.tokenization.constants import SPECIAL_TOKENS_MAP_FILE, TOKENIZER_CONFIG_FILE, VOCAB_FILE_NAME
    from albert_tf.tokenization.training import train_tokenizer

    prepare_output_dir(FLAGS.output_dir, (VOCAB_FILE_NAME, TOKENIZER_CONFIG_FILE, SPECIAL_TOKENS_MAP_FILE),
                       FLAGS.overwrite_output_dir)
    # SentencePiece trains in one call without progress callbacks: the bar shows that it is working.
    with ProgressBar(None, "train-tokenizer", enabled=progress_enabled(FLAGS.progress_bar)) as bar, \
            ticking(bar, "reading and training"):
        try:
            path = train_tokenizer(FLAGS.input, FLAGS.vocab_size, FLAGS.output_dir,
                                   do_lower_case=FLAGS.do_lower_case, keep_accents=FLAGS.keep_accents,
                                   max_lines=FLAGS.max_lines, model_max_length=FLAGS.model_max_length)
        except UnicodeDecodeError:
            name_invalid_utf8(FLAGS.input)  # the decode error names neither the file nor the line
            raise
    print(path)

"""ALBERT tokenization: HF-exact Python tokenizer, in-graph Keras preprocessing layer, and training.

Example:
    >>> from albert_tf.tokenization import AlbertTokenizer, AlbertPreprocessor, train_tokenizer
"""

from albert_tf.tokenization import constants
from albert_tf.tokenization.added_tokens import AddedToken
from albert_tf.tokenization.auto import AutoTokenizer
from albert_tf.tokenization.batch_encoding import BatchEncoding
from albert_tf.tokenization.fast import AlbertTokenizerFast
from albert_tf.tokenization.tokenizer import AlbertTokenizer
from albert_tf.tokenization.training import train_tokenizer


def __getattr__(name):
    # The in-graph preprocessor needs TensorFlow; import it on first use only, so that the Python
    # tokenizer and `albert-tf train-tokenizer` start without TensorFlow.
    if name == "AlbertPreprocessor":
        from albert_tf.tokenization.preprocessor import AlbertPreprocessor

        globals()[name] = AlbertPreprocessor
        return AlbertPreprocessor
    raise AttributeError(f"module 'albert_tf.tokenization' has no attribute {name!r}")


__all__ = ["AddedToken", "AlbertPreprocessor", "AlbertTokenizer", "AlbertTokenizerFast", "AutoTokenizer",
           "BatchEncoding", "constants", "train_tokenizer"]

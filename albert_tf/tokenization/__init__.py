"""ALBERT tokenization: HF-exact Python tokenizer, in-graph Keras preprocessing layer, and training.

Example:
    >>> from albert_tf.tokenization import AlbertTokenizer, AlbertPreprocessor, train_tokenizer
"""

from albert_tf.tokenization import constants
from albert_tf.tokenization.batch_encoding import BatchEncoding
from albert_tf.tokenization.preprocessor import AlbertPreprocessor
from albert_tf.tokenization.tokenizer import AlbertTokenizer
from albert_tf.tokenization.training import train_tokenizer

__all__ = ["AlbertPreprocessor", "AlbertTokenizer", "BatchEncoding", "constants", "train_tokenizer"]

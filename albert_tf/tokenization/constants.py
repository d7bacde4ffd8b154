"""Special tokens, their default ids and the tokenizer file names: the one place they are defined.

Models trained by :func:`albert_tf.tokenization.train_tokenizer` use the ids below, which are also the ids
of Google's released ALBERT vocabularies. Tokenizers always read the real ids from the SentencePiece model,
so these defaults only decide how new models are laid out.
"""

PAD_TOKEN = "<pad>"
UNK_TOKEN = "<unk>"
CLS_TOKEN = "[CLS]"
SEP_TOKEN = "[SEP]"
MASK_TOKEN = "[MASK]"

PAD_ID = 0
UNK_ID = 1
CLS_ID = 2
SEP_ID = 3
MASK_ID = 4

# Order matters: it is the id layout of a trained model (piece i has id i).
SPECIAL_TOKENS_IN_ID_ORDER = (PAD_TOKEN, UNK_TOKEN, CLS_TOKEN, SEP_TOKEN, MASK_TOKEN)

# HF's AlbertTokenizer uses [CLS] / [SEP] as bos / eos as well.
BOS_TOKEN = CLS_TOKEN
EOS_TOKEN = SEP_TOKEN

SPIECE_UNDERLINE = "\u2581"

VOCAB_FILE_NAME = "spiece.model"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json"

# HF's "no limit" sentinel for model_max_length (int(1e30)); anything above LARGE_INTEGER means "unset".
VERY_LARGE_INTEGER = int(1e30)
LARGE_INTEGER = int(1e20)

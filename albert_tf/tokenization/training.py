"""Train an ALBERT-compatible SentencePiece model and write the files ``from_pretrained`` reads.

The layout follows Google's released ALBERT vocabularies: a unigram model with ``<pad>``=0, ``<unk>``=1,
``[CLS]``=2, ``[SEP]``=3, ``[MASK]``=4 (the last three control symbols, so raw text never produces them),
no BOS/EOS, and the ``nmt_nfkc`` normalizer. Training text goes through the tokenizer's own
preprocessing (lowercasing, accent stripping, quote rewriting) first, so the vocabulary covers exactly the
strings the tokenizer will feed SentencePiece.

Example:
    >>> import tempfile
    >>> out = tempfile.mkdtemp()
    >>> train_tokenizer(["data/reviews.csv"], vocab_size=2000, output_dir=out)  # doctest: +ELLIPSIS
    '.../spiece.model'
"""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Iterable, Iterator, Sequence

from albert_tf.tokenization import constants, text_rules
from albert_tf.utils.io import atomic_write_bytes

MIN_VOCAB_SIZE = 100


def _read_lines(path: str) -> Iterator[str]:
    """Lines of a text file, or the ``text`` column of a ``.csv`` file (e.g. ``data/reviews.csv``)."""
    with open(path, encoding="utf-8", newline="") as f:
        if path.endswith(".csv"):
            reader = csv.DictReader(f)
            if reader.fieldnames is None or "text" not in reader.fieldnames:
                raise ValueError(f"{path}: a .csv input needs a 'text' column, found {reader.fieldnames}")
            for row in reader:
                yield row["text"] or ""
        else:
            for line in f:
                yield line.rstrip("\n")


def _training_sentences(
    input_files: Sequence[str], do_lower_case: bool, keep_accents: bool, max_lines: int | None
) -> list[str]:
    sentences = []
    for path in input_files:
        for line in _read_lines(path):
            text = text_rules.preprocess_text(line, do_lower_case=do_lower_case, keep_accents=keep_accents)
            if text:
                sentences.append(text)
                if max_lines is not None and len(sentences) >= max_lines:
                    return sentences
    return sentences


def tokenizer_config(
    do_lower_case: bool = True,
    remove_space: bool = True,
    keep_accents: bool = False,
    model_max_length: int | None = 512,
) -> dict:
    """The ``tokenizer_config.json`` content that both our and HF's ``from_pretrained`` understand."""
    config = {
        "tokenizer_class": "AlbertTokenizer",
        "do_lower_case": do_lower_case,
        "remove_space": remove_space,
        "keep_accents": keep_accents,
        "bos_token": constants.BOS_TOKEN,
        "eos_token": constants.EOS_TOKEN,
        "unk_token": constants.UNK_TOKEN,
        "sep_token": constants.SEP_TOKEN,
        "pad_token": constants.PAD_TOKEN,
        "cls_token": constants.CLS_TOKEN,
        "mask_token": constants.MASK_TOKEN,
    }
    if model_max_length is not None:
        config["model_max_length"] = model_max_length
    return config


def special_tokens_map() -> dict:
    """The ``special_tokens_map.json`` content; ``[MASK]`` swallows the space on its left like HF's."""
    return {
        "bos_token": constants.BOS_TOKEN,
        "eos_token": constants.EOS_TOKEN,
        "unk_token": constants.UNK_TOKEN,
        "sep_token": constants.SEP_TOKEN,
        "pad_token": constants.PAD_TOKEN,
        "cls_token": constants.CLS_TOKEN,
        "mask_token": {
            "content": constants.MASK_TOKEN,
            "lstrip": True,
            "rstrip": False,
            "normalized": False,
            "single_word": False,
        },
    }


def write_tokenizer_files(output_dir: str, model_proto: bytes, config: dict) -> str:
    """Write ``spiece.model``, ``tokenizer_config.json`` and ``special_tokens_map.json`` atomically."""
    os.makedirs(output_dir, exist_ok=True)
    model_path = os.path.join(output_dir, constants.VOCAB_FILE_NAME)
    atomic_write_bytes(model_path, model_proto)
    atomic_write_bytes(
        os.path.join(output_dir, constants.TOKENIZER_CONFIG_FILE),
        (json.dumps(config, indent=2, sort_keys=True) + "\n").encode("utf-8"),
    )
    atomic_write_bytes(
        os.path.join(output_dir, constants.SPECIAL_TOKENS_MAP_FILE),
        (json.dumps(special_tokens_map(), indent=2, sort_keys=True) + "\n").encode("utf-8"),
    )
    return model_path


def train_tokenizer(
    input_files: Iterable[str] | str,
    vocab_size: int,
    output_dir: str,
    *,
    do_lower_case: bool = True,
    keep_accents: bool = False,
    character_coverage: float = 0.99995,
    max_lines: int | None = 1_000_000,
    model_max_length: int | None = 512,
    seed_sentencepiece_size: int = 200_000,
    split_by_number: bool = True,
    num_threads: int | None = None,
) -> str:
    """Train a unigram SentencePiece model for ALBERT; returns the path of the written ``spiece.model``.

    Args:
        input_files: text files (one sentence or paragraph a line) or ``.csv`` files with a ``text``
            column; a single path string is accepted too.
        vocab_size: total vocabulary size including the 5 special tokens.
        output_dir: created if missing; receives ``spiece.model``, ``tokenizer_config.json`` and
            ``special_tokens_map.json``.
        do_lower_case / keep_accents: preprocessing applied to the training text and recorded in
            ``tokenizer_config.json`` (ALBERT: lowercase, strip accents).
        max_lines: cap on the number of (non-empty) training lines read, for speed.
        split_by_number: SentencePiece's option; ``False`` allows pieces such as ``▁1,`` (which HF's
            digit-comma rule then re-splits).

    Raises:
        FileNotFoundError: an input file does not exist.
        ValueError: no input files, inputs without any text, or an unusable ``vocab_size``.
    """
    import sentencepiece as spm

    if isinstance(input_files, str):
        input_files = [input_files]
    input_files = list(input_files)
    if not input_files:
        raise ValueError("train_tokenizer: no input files given")
    for path in input_files:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"train_tokenizer: input file not found: {path}")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < MIN_VOCAB_SIZE:
        raise ValueError(f"train_tokenizer: vocab_size must be an integer >= {MIN_VOCAB_SIZE}, got {vocab_size!r}")

    sentences = _training_sentences(input_files, do_lower_case, keep_accents, max_lines)
    if not sentences:
        raise ValueError(f"train_tokenizer: the input files contain no text: {input_files}")

    model = io.BytesIO()
    try:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(sentences),
            model_writer=model,
            model_type="unigram",
            vocab_size=vocab_size,
            pad_id=constants.PAD_ID,
            unk_id=constants.UNK_ID,
            bos_id=-1,
            eos_id=-1,
            pad_piece=constants.PAD_TOKEN,
            unk_piece=constants.UNK_TOKEN,
            control_symbols=[constants.CLS_TOKEN, constants.SEP_TOKEN, constants.MASK_TOKEN],
            character_coverage=character_coverage,
            normalization_rule_name="nmt_nfkc",
            split_by_number=split_by_number,
            # Wikipedia paragraphs are long; SentencePiece silently skips lines above this limit.
            max_sentence_length=1 << 16,
            seed_sentencepiece_size=seed_sentencepiece_size,
            shuffle_input_sentence=True,
            num_threads=num_threads or os.cpu_count() or 1,
            minloglevel=2,
        )
    except RuntimeError as err:
        # SentencePiece reports e.g. "Vocabulary size is too large" for a corpus with too few pieces.
        raise ValueError(f"train_tokenizer: SentencePiece training failed ({err}); try a smaller vocab_size") from err

    proto = model.getvalue()
    _check_layout(proto)
    return write_tokenizer_files(
        output_dir,
        proto,
        tokenizer_config(do_lower_case=do_lower_case, keep_accents=keep_accents, model_max_length=model_max_length),
    )


def _check_layout(proto: bytes) -> None:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=proto)
    for expected_id, piece in enumerate(constants.SPECIAL_TOKENS_IN_ID_ORDER):
        if sp.piece_to_id(piece) != expected_id:
            raise AssertionError(f"trained model has {piece!r} at id {sp.piece_to_id(piece)}, expected {expected_id}")

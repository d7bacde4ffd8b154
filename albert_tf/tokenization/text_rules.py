"""The text rules of HF's slow ``AlbertTokenizer`` (transformers 4.x), shared by the Python tokenizer,
the in-graph :class:`~albert_tf.tokenization.AlbertPreprocessor` and tokenizer training.

HF's pipeline for one string, in order:

1. with ``do_lower_case``: lowercase one character at a time, except the special tokens themselves
   (``PreTrainedTokenizer.tokenize``); per character means Greek capital sigma always becomes ``σ``,
   never the word-final ``ς``;
2. split out special tokens (``<pad>``, ``<unk>``, ``[CLS]``, ``[SEP]``, ``[MASK]``); the space left of
   ``[MASK]`` is stripped (its ``lstrip=True``); each remaining segment is tokenized on its own;
3. ``preprocess_text``: collapse whitespace runs and strip (``remove_space``), ``````/``''`` -> ``"``,
   NFKD and drop combining characters (unless ``keep_accents``), lowercase the whole segment;
4. SentencePiece (which applies its own normalizer, nmt_nfkc for ALBERT models);
5. pieces ending in ``<digit>,`` are re-split: ``▁9,`` -> ``▁9`` ``,``.

The character tables below are built from Python's :mod:`unicodedata`/``str`` methods, which are what
HF uses, so the in-graph regexes match exactly the characters Python matches.

Example:
    >>> preprocess_text("  Caf\u00e9   ``Zo\u00eb''  ")
    'cafe "zoe"'
"""

from __future__ import annotations

import functools
import sys
import unicodedata

from albert_tf.tokenization import constants

SPECIAL_TOKENS = (
    constants.PAD_TOKEN,
    constants.UNK_TOKEN,
    constants.CLS_TOKEN,
    constants.SEP_TOKEN,
    constants.MASK_TOKEN,
)


def preprocess_text(
    text: str, do_lower_case: bool = True, remove_space: bool = True, keep_accents: bool = False
) -> str:
    """HF's ``AlbertTokenizer.preprocess_text`` (step 3 above) for one special-token-free segment."""
    out = " ".join(text.strip().split()) if remove_space else text
    out = out.replace("``", '"').replace("''", '"')
    if not keep_accents:
        out = "".join(c for c in unicodedata.normalize("NFKD", out) if not unicodedata.combining(c))
    if do_lower_case:
        out = out.lower()
    return out


def lower_per_char(text: str) -> str:
    """Lowercase like HF's regex pass in ``PreTrainedTokenizer.tokenize``: character by character, so no
    context-dependent mappings (final sigma)."""
    return "".join(c.lower() for c in text)


def split_special(text: str, special_tokens=SPECIAL_TOKENS) -> list[str]:
    """Split ``text`` into segments, special tokens as their own segments, leftmost match first.

    None of ALBERT's special tokens is a prefix or infix of another, so leftmost-first equals HF's trie
    (longest match) here. Empty segments are dropped, like HF.

    >>> split_special("a[MASK]b<pad>")
    ['a', '[MASK]', 'b', '<pad>']
    """
    out = []
    start = 0
    pos = 0
    n = len(text)
    while pos < n:
        for tok in special_tokens:
            if text.startswith(tok, pos):
                if pos > start:
                    out.append(text[start:pos])
                out.append(tok)
                pos += len(tok)
                start = pos
                break
        else:
            pos += 1
    if start < n:
        out.append(text[start:])
    return out


def is_digit_comma_piece(piece: str) -> bool:
    """HF's test for pieces to re-split: at least 2 characters, ending in a ``str.isdigit`` char + ``,``."""
    return len(piece) > 1 and piece[-1] == "," and piece[-2].isdigit()


def resplit_digit_comma(sp_model, piece: str) -> list[str]:
    """HF's re-split of a ``<digit>,`` piece: re-encode the part before the comma, keep the comma apart,
    and drop the word-start marker if the original piece had none."""
    sub = sp_model.encode(piece[:-1].replace(constants.SPIECE_UNDERLINE, ""), out_type=str)
    if sub and piece[0] != constants.SPIECE_UNDERLINE and sub[0][0] == constants.SPIECE_UNDERLINE:
        if len(sub[0]) == 1:
            sub = sub[1:]
        else:
            sub[0] = sub[0][1:]
    return sub + [piece[-1]]


def digit_comma_table(sp_model) -> dict[int, list[int]]:
    """Vocabulary id -> replacement ids, for every piece that HF re-splits.

    The re-split depends only on the piece, so it can be precomputed per id; the in-graph layer then
    applies it with one ragged gather. Replacement pieces are looked up with ``PieceToId`` like HF does
    (a piece without its word-start marker may not exist and then becomes ``<unk>``).
    """
    table = {}
    for i in range(sp_model.get_piece_size()):
        piece = sp_model.id_to_piece(i)
        if sp_model.is_unknown(i) or sp_model.is_control(i):
            continue
        if is_digit_comma_piece(piece):
            table[i] = [sp_model.piece_to_id(p) for p in resplit_digit_comma(sp_model, piece)]
    return table


@functools.lru_cache(maxsize=None)
def _code_points(predicate_name: str) -> tuple[int, ...]:
    predicates = {
        "space": lambda c: c.isspace(),
        "combining": lambda c: unicodedata.combining(c) != 0,
        "digit": lambda c: c.isdigit(),
    }
    pred = predicates[predicate_name]
    # Surrogates cannot appear in UTF-8 input; skipping them keeps the class valid for RE2.
    return tuple(cp for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF and pred(chr(cp)))


def _ranges(code_points) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for cp in code_points:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return ranges


def re2_char_class(predicate_name: str) -> str:
    """An RE2 character class (``[...]``) of exactly the code points Python's predicate accepts:
    ``"space"`` (``str.isspace``, what ``str.split()`` splits on), ``"combining"``
    (``unicodedata.combining != 0``) or ``"digit"`` (``str.isdigit``)."""
    parts = []
    for lo, hi in _ranges(_code_points(predicate_name)):
        parts.append(f"\\x{{{lo:X}}}" if lo == hi else f"\\x{{{lo:X}}}-\\x{{{hi:X}}}")
    return "[" + "".join(parts) + "]"


def unicode_data_version() -> str:
    """Unicode version of Python's tables (HF's reference behaviour is defined by them)."""
    return unicodedata.unidata_version

"""Character offsets and word ids as HF 4.x's pipelines saw them for ALBERT.

``transformers.pipeline`` loads ALBERT's *fast* tokenizer by default, and the question-answering and
token-classification pipelines report character positions from its offsets. Those offsets follow the
``Metaspace`` pre-tokenizer: the ``▁`` that starts a word is aligned with the whitespace before the
word, so ``"▁world"`` in ``"Hello world"`` spans ``" world"`` (5, 11), and a standalone ``"▁"`` piece
spans one whitespace character. :class:`~albert_tf.tokenization.AlbertTokenizer` reports the visible
characters only (6, 11); :func:`metaspace_offsets` converts them, so answers and entity positions equal
what HF users got. A "word" is what ``Metaspace`` splits on: a new word starts at every ``▁`` piece.

Example:
    >>> metaspace_offsets("Hello world", ["\u2581he", "llo", "\u2581world"], [(0, 2), (2, 5), (6, 11)])
    [(0, 2), (2, 5), (5, 11)]
    >>> word_ids(["\u2581he", "llo", "\u2581world", ","])
    [0, 0, 1, 1]
"""

from __future__ import annotations

from typing import Sequence

from albert_tf.tokenization.constants import MASK_TOKEN, SPIECE_UNDERLINE


def metaspace_offsets(
    text: str, pieces: Sequence[str], spans: Sequence[tuple[int, int]], special_tokens: Sequence[str] = ()
) -> list[tuple[int, int]]:
    """HF-fast-tokenizer offsets from ``AlbertTokenizer``'s visible-character offsets of ``text``.

    ``pieces`` and ``spans`` are one text's pieces (no ``[CLS]``/``[SEP]`` added) and the offsets
    ``AlbertTokenizer(..., return_offsets_mapping=True, add_special_tokens=False)`` returned for them.
    """
    special = set(special_tokens)
    out = []
    for piece, (start, end) in zip(pieces, spans):
        start, end = int(start), int(end)
        if piece in special:
            # [MASK] strips the space on its left; the fast tokenizer keeps that space in its span.
            if piece == MASK_TOKEN and start > 0 and text[start - 1].isspace():
                start -= 1
        elif piece == SPIECE_UNDERLINE and start == end:
            # A lone "▁": aligned with the last whitespace character of the run it stands for, or,
            # at the very start of the text (the ▁ the tokenizer prepends), with the first character.
            if start < len(text) and text[start].isspace():
                run_end = start
                while run_end < len(text) and text[run_end].isspace():
                    run_end += 1
                start, end = run_end - 1, run_end
            elif start == 0 and text:
                end = 1
        elif piece.startswith(SPIECE_UNDERLINE) and start > 0 and text[start - 1].isspace():
            start -= 1
        out.append((start, end))
    return out


def word_ids(pieces: Sequence[str], special_tokens: Sequence[str] = ()) -> list[int]:
    """Word index of each piece of one text: a new word starts at each ``▁`` piece (and at each special
    token written in the text), like the fast tokenizer's ``Metaspace`` split."""
    special = set(special_tokens)
    ids, current, previous_special = [], -1, False
    for k, piece in enumerate(pieces):
        if k == 0 or piece in special or previous_special or piece.startswith(SPIECE_UNDERLINE):
            current += 1
        previous_special = piece in special
        ids.append(current)
    return ids


def overflow_windows(length: int, budget: int, stride: int) -> list[tuple[int, int]]:
    """Windows of ``budget`` tokens, each overlapping the previous by ``stride`` tokens, the last one
    ending at ``length`` (the fast tokenizer's ``return_overflowing_tokens`` layout).

    Example:
        >>> overflow_windows(10, 4, 1)
        [(0, 4), (3, 7), (6, 10)]
    """
    if stride >= budget:
        raise ValueError(f"stride ({stride}) must be smaller than the window of {budget} tokens")
    windows, start = [], 0
    while True:
        end = min(start + budget, length)
        windows.append((start, end))
        if end == length:
            return windows
        start += budget - stride


def metaspace_decode(tokens: Sequence[str]) -> str:
    """Pieces -> text as the fast tokenizer's ``convert_tokens_to_string`` (its ``Metaspace`` decoder)
    does: every ``▁`` of the first piece is dropped, later ones become spaces, nothing is stripped.

    HF's token-classification pipeline builds entity ``word`` strings with it; it differs from the slow
    tokenizer's ``convert_tokens_to_string`` (which strips) when a word ends with a lone ``▁``.

    Example:
        >>> metaspace_decode(["\u2581he", "llo", "\u2581"])
        'hello '
    """
    return "".join(token.replace(SPIECE_UNDERLINE, "" if i == 0 else " ") for i, token in enumerate(tokens))

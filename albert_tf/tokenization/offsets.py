"""Character offsets for :class:`~albert_tf.tokenization.AlbertTokenizer` (``return_offsets_mapping``).

Each original character is pushed through the per-character form of HF's preprocessing to know which
preprocessed characters it produced; SentencePiece reports byte spans into the preprocessed text, which are
mapped back. A span covers the characters that produced the piece's visible text (not the space the ``▁``
stands for), plus trailing characters that preprocessing deleted (combining accents). Pieces of one
character that expands (``ﬁ``, ``¼``) share its span; added tokens span their own text.

Example:
    >>> pieces, spans = tokenize_with_offsets(tok, "Hello world")  # doctest: +SKIP
    >>> spans  # doctest: +SKIP
    [(0, 5), (6, 11)]
"""

from __future__ import annotations

import bisect
import unicodedata

from albert_tf.tokenization import constants, text_rules


def tokenize_with_offsets(tok, text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """``tok.tokenize(text)`` plus a ``(start, end)`` character span into ``text`` per token."""
    # Lowercase like tok.tokenize, keeping a map from each lowered character back to the original one.
    if tok.do_lower_case:
        low_parts, owner = [], []
        pos = 0
        for start, end in _kept_spans(tok, text):
            for k in range(pos, start):
                low = text[k].lower()
                low_parts.append(low)
                owner.extend([k] * len(low))
            low_parts.append(text[start:end])
            owner.extend(range(start, end))
            pos = end
        for k in range(pos, len(text)):
            low = text[k].lower()
            low_parts.append(low)
            owner.extend([k] * len(low))
        low_text = "".join(low_parts)
    else:
        low_text, owner = text, list(range(len(text)))
    owner.append(len(text))
    pieces, spans = [], []
    for start, end, added in tok._split_added(low_text):
        if added:
            pieces.append(low_text[start:end])
            spans.append((owner[start], owner[end - 1] + 1))
            continue
        seg_pieces, seg_spans = segment_offsets(tok, low_text[start:end])
        pieces.extend(seg_pieces)
        for s, e in seg_spans:
            if s == e:
                spans.append((owner[start + s], owner[start + s]))
            else:
                stop = owner[start + e - 1] + 1
                if not tok.keep_accents:
                    stop = _extend_over_deleted(text, stop)
                spans.append((owner[start + s], stop))
    return pieces, spans


def _kept_spans(tok, text: str):
    pattern = tok._kept_pattern()
    return [] if pattern is None else [m.span() for m in pattern.finditer(text)]


def segment_offsets(tok, seg: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Pieces of one added-token-free segment (already lowercased) and their character spans in it."""
    outs = _per_char_preprocess(seg, tok.do_lower_case, tok.remove_space, tok.keep_accents)
    pre = tok.preprocess_text(seg)
    # Byte start in the preprocessed text of each segment character's output.
    byte_starts, pos = [], 0
    for out in outs:
        byte_starts.append(pos)
        pos += len(out.encode("utf-8"))
    if pos != len(pre.encode("utf-8")):  # never seen; keeps ids exact even if the map were off
        byte_starts = [min(b, len(pre.encode("utf-8"))) for b in byte_starts]
    visible = [k for k, out in enumerate(outs) if out and not out.isspace()]
    vis_starts = [byte_starts[k] for k in visible]
    vis_ends = [byte_starts[k] + len(outs[k].encode("utf-8")) for k in visible]
    proto = tok.sp_model.encode(pre, return_type="proto")
    pieces, spans = [], []
    for p in proto.pieces:
        for piece, (b, e) in _split_piece_span(tok.sp_model, p):
            first = bisect.bisect_right(vis_ends, b)
            last = bisect.bisect_left(vis_starts, e) - 1
            pieces.append(piece)
            if first > last:
                k = max(bisect.bisect_right(byte_starts, b) - 1, 0)
                spans.append((k, k))
            else:
                spans.append((visible[first], visible[last] + 1))
    return pieces, spans


def _split_piece_span(sp_model, p) -> list[tuple[str, tuple[int, int]]]:
    """A SentencePiece piece with its byte span; ``<digit>,`` pieces are re-split like HF, the comma
    getting the last character of the span and the rest shared by piece text length."""
    if not text_rules.is_digit_comma_piece(p.piece):
        return [(p.piece, (p.begin, p.end))]
    sub = text_rules.resplit_digit_comma(sp_model, p.piece)
    comma_start = p.end - len(p.surface[-1:].encode("utf-8"))
    out, cursor = [], p.begin
    for j, piece in enumerate(sub[:-1]):
        size = len(piece.replace(constants.SPIECE_UNDERLINE, "").encode("utf-8"))
        if j == 0 and piece.startswith(constants.SPIECE_UNDERLINE):
            size += len(p.surface.encode("utf-8")) - len(p.surface.lstrip().encode("utf-8"))
        end = comma_start if j == len(sub) - 2 else min(cursor + size, comma_start)
        out.append((piece, (cursor, end)))
        cursor = end
    out.append((sub[-1], (comma_start, p.end)))
    return out


def _extend_over_deleted(text: str, end: int) -> int:
    """Extend a span end over following combining characters (deleted by accent stripping)."""
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return end


def _per_char_preprocess(seg: str, do_lower_case: bool, remove_space: bool, keep_accents: bool) -> list[str]:
    """What each character of ``seg`` becomes in ``preprocess_text(seg)`` (concatenation equals it up to
    canonical reordering and final-sigma, which do not change lengths)."""
    n = len(seg)
    outs = list(seg)
    if remove_space:
        stripped = seg.strip()
        lead = len(seg) - len(seg.lstrip())
        tail = lead + len(stripped)
        for k in range(n):
            if outs[k].isspace():
                if k < lead or k >= tail or seg[k - 1].isspace():
                    outs[k] = ""
                else:
                    outs[k] = " "
    for quote in ("`", "'"):
        k = 0
        while k < n:
            if outs[k] == quote:
                j = k + 1
                while j < n and outs[j] == "":
                    j += 1  # deleted whitespace does not separate (never happens: it leaves one space)
                if j < n and outs[j] == quote:
                    outs[k], outs[j] = '"', ""
                    k = j + 1
                    continue
            k += 1
    if not keep_accents:
        outs = ["".join(c for c in unicodedata.normalize("NFKD", o) if not unicodedata.combining(c)) for o in outs]
    if do_lower_case:
        outs = [o.lower() for o in outs]
    return outs

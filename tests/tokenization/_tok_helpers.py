"""Shared test data and checks for the tokenization tests."""

# Every mismatch found while developing, plus HF's documented special cases.
REGRESSION_TEXTS = [
    "Hello [MASK] world", "Hello[MASK]world", "[MASK]", " [MASK] ", "a<PAD>b<UnK>c [cls] [CLS]x",
    "<unK>", "ΑΣ ΟΔΟΣ. 𝚺Α𝚺", "İstanbul", "1,000,000 and 9,9", "12,3", "``hi'' ```", "''''", "a \u0301 b",
    "", "   ", "\t\n", "a\x00BC \u2c2f", "Caf\u00e9 Zo\u00eb na\u00efve", "\u4e2d\u6587\u5b57 \u65e5\u672c", "emoji \U0001f600\U0001f44d\U0001f3fd",
    "\u00bd \u00bc \ufb01ne \u2163", "tab\there\u00a0nbsp\u3000ideo", "x\u0308\u0301y", "[SEP][SEP]", "\U0001ccd6",
]


def equal_score_reordering(expected, got, piece):
    """True if `got` differs from `expected` only by reordering identical pieces inside one window
    that spells the same text: SentencePiece's Viterbi sees an exact score tie there, and the
    tensorflow-text kernel breaks it differently from the Python library HF uses."""
    if len(expected) != len(got):
        return False
    diff = [i for i, (a, b) in enumerate(zip(expected, got)) if a != b]
    if not diff:
        return True
    lo, hi = diff[0], diff[-1] + 1
    a, b = expected[lo:hi], got[lo:hi]
    return sorted(a) == sorted(b) and "".join(map(piece, a)) == "".join(map(piece, b))

"""Shared test data for the tokenization tests."""

# Every mismatch found while developing, plus HF's documented special cases.
REGRESSION_TEXTS = [
    "Hello [MASK] world", "Hello[MASK]world", "[MASK]", " [MASK] ", "a<PAD>b<UnK>c [cls] [CLS]x",
    "<unK>", "ΑΣ ΟΔΟΣ. 𝚺Α𝚺", "İstanbul", "1,000,000 and 9,9", "12,3", "``hi'' ```", "''''", "a \u0301 b",
    "", "   ", "\t\n", "a\x00BC \u2c2f", "Caf\u00e9 Zo\u00eb na\u00efve", "\u4e2d\u6587\u5b57 \u65e5\u672c", "emoji \U0001f600\U0001f44d\U0001f3fd",
    "\u00bd \u00bc \ufb01ne \u2163", "tab\there\u00a0nbsp\u3000ideo", "x\u0308\u0301y", "[SEP][SEP]", "\U0001ccd6",
    # Printable-ASCII rows take the layer's fast path: spaces, quotes and case are handled there.
    "  Leading and   trailing  spaces  ", "``Quoted'' and 'single' ``", "MiXeD CaSe 123", "a  ''  b",
]

# Exact SentencePiece score ties: two segmentations with the same pieces in another order. Which one
# Python sentencepiece (HF) picks depends on float32 rounding of the path score accumulated since the
# start of the text, so each word is repeated after prefixes of different lengths. These families were
# the only corpus mismatches of tensorflow-text's SentencePiece ("hmmm": ▁h mm m instead of ▁h m mm).
_TIE_WORDS = ["Hmmm.", "hmmmmm", "Article XIII", "aluminium(III) ions", "F-111 / FB-111", "9,999,999", "mmm"]
TIE_TEXTS = [("the film " * k + word).strip() for word in _TIE_WORDS for k in range(12)] + [
    "Wait. Hmmm.. maybe", "Hmm, hmmmmm. You", "cu(ii) and au(iii) compounds", "up to 9,999,999)",
    "iiii ii iii mmmm 1111 99999", "Hmmm [MASK] hmmm", "caf\u00e9 hmmm \u0430\u043b\u044f\u0441\u043a\u0430 hmmm",
]

# The user-defined symbols of Google's released ALBERT vocabularies (spm_train --user_defined_symbols).
ALBERT_USER_DEFINED = ["(", ")", '"', "-", ".", "\u2013", "\u00a3", "\u20ac"]


def edited_model(proto: bytes, edit) -> bytes:
    """A copy of a SentencePiece model proto changed by ``edit(model_proto_message)``."""
    from sentencepiece import sentencepiece_model_pb2

    model = sentencepiece_model_pb2.ModelProto()
    model.ParseFromString(proto)
    edit(model)
    return model.SerializeToString()


def make_user_defined(symbols):
    """An ``edited_model`` edit: these pieces become user-defined (added if missing), as in ALBERT's
    vocabularies."""
    from sentencepiece import sentencepiece_model_pb2

    user_defined = sentencepiece_model_pb2.ModelProto.SentencePiece.USER_DEFINED

    def edit(model):
        by_text = {p.piece: p for p in model.pieces}
        for symbol in symbols:
            if symbol in by_text:
                by_text[symbol].type = user_defined
            else:
                model.pieces.add(piece=symbol, score=0.0, type=user_defined)
    return edit

"""JSON values as TF Serving's REST API reads and writes them: parsing a request body, quoting values in
error messages, b64 strings, and the number rules of rapidjson and util/json_tensor.cc.

``parse_body`` parses like rapidjson (the first complete value, integers up to uint64, surrogate checks, its
error wording and byte offsets); ``json_text`` prints a value as TF Serving quotes it in errors;
``_lossless`` is IsLosslessDecimal and ``_decimal_text`` WriteDecimal. ``ROW`` and ``COLUMNAR`` name the two
request formats.

Example:
    >>> parse_body(b'{"instances": [1, 2.5]}  trailing text is ignored')
    {'instances': [1, 2.5]}
    >>> _decimal_text(0.1), _decimal_text(3.0)
    ('0.1', '3.0')
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import struct

import numpy as np

from albert_tf.serving import errors

ROW, COLUMNAR = "row", "columnar"
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_UINT32_MAX, _UINT64_MAX = 2**32 - 1, 2**64 - 1
_FLOAT_MAX = float(np.finfo(np.float32).max)
# Largest integers a float / double holds exactly (IsLosslessDecimal's kMaxInt).
_FLOAT_MAX_INT, _DOUBLE_MAX_INT = 2**24 - 1, 2**53 - 1


# --- parsing ------------------------------------------------------------------------------------------------


def _parse_int(text: str):
    # rapidjson keeps integers up to uint64 and reads larger ones as doubles.
    value = int(text)
    return value if _INT64[0] <= value <= _UINT64_MAX else float(value)


def parse_body(body: bytes) -> dict:
    """Parse a request body into a JSON object, with TF Serving's error for anything else."""
    if not body:
        raise errors.json_empty_document()
    # Bytes that are not UTF-8 pass through into strings (rapidjson does not validate the encoding).
    text = body.decode("utf-8", "surrogateescape")
    try:
        # kParseStopWhenDoneFlag: whatever follows the first complete value is ignored.
        start = len(text) - len(text.lstrip(_JSON_WHITESPACE))
        doc, _ = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as e:
        raise errors.json_parse_error(_rapidjson_reason(e, text), _byte_offset(text, e.pos)) from None
    except RecursionError:
        raise errors.json_parse_error("Terminate parsing due to Handler error.", 0) from None
    if "\\u" in text:
        _check_surrogates(text)
    if not isinstance(doc, dict):
        raise errors.json_format_error(json_text(doc), "Is not object")
    return doc


_JSON_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder(parse_int=_parse_int)
# One escape sequence; scanning these left to right keeps "\\\\" from starting a false "\\u".
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8", "surrogateescape"))


def _check_surrogates(text: str) -> None:
    """rapidjson's kParseErrorStringUnicodeSurrogateInvalid: a \\uD800-\\uDBFF escape must be followed by a
    \\uDC00-\\uDFFF one, and a low one never stands alone (Python would keep both as lone surrogates, which
    no UTF-8 encoder accepts). The offset is the backslash of the offending escape, as rapidjson reports it."""
    pending = None  # (start, end) of a high surrogate escape waiting for its low half
    for match in _ESCAPE.finditer(text):
        escape = match.group(1)
        code = int(escape[1:], 16) if escape[0] == "u" and len(escape) == 5 else None
        if pending is not None:
            if code is None or not 0xDC00 <= code <= 0xDFFF or match.start() != pending[1]:
                break
            pending = None
            continue
        if code is not None and 0xD800 <= code <= 0xDBFF:
            pending = (match.start(), match.end())
        elif code is not None and 0xDC00 <= code <= 0xDFFF:
            pending = (match.start(), None)
            break
    else:
        if pending is None:
            return
    raise errors.json_parse_error("The surrogate pair in string is invalid.", _byte_offset(text, pending[0]))


def _rapidjson_reason(error: json.JSONDecodeError, text: str) -> str:
    """rapidjson's GetParseError_En() wording for the error Python's parser found."""
    message = error.msg
    if not text.strip():
        return "The document is empty."
    if message.startswith("Expecting value"):
        return "Invalid value."
    if message.startswith("Expecting property name"):
        return "Missing a name for object member."
    if message.startswith("Expecting ':'"):
        return "Missing a colon after a name of object member."
    if message.startswith("Expecting ','"):
        if _innermost_container(text, error.pos) == "{":
            return "Missing a comma or '}' after an object member."
        return "Missing a comma or ']' after an array element."
    if message.startswith("Unterminated string"):
        return "Missing a closing quotation mark in string."
    if message.startswith("Invalid \\uXXXX"):
        return "Incorrect hex digit after \\u escape in string."
    if message.startswith("Invalid \\escape"):
        return "Invalid escape character in string."
    if message.startswith("Invalid control character"):
        return "Invalid encoding in string."
    return "Invalid value."


def _innermost_container(text: str, end: int) -> str:
    stack, in_string, escaped = [], False, False
    for char in text[:end]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append(char)
        elif char in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def json_text(value) -> str:
    """JsonValueToString(): a value pretty-printed as TF Serving quotes it in error messages."""
    if isinstance(value, float):
        return _decimal_text(value, double=True)
    return json.dumps(value, indent=4, ensure_ascii=False)


def _json_type(value) -> str:
    if value is None:
        return "Null"
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, str):
        return "String"
    return "Number"


def _is_b64(value) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def _b64decode(value) -> bytes:
    if not _is_b64(value):
        raise errors.json_base64_format(json_text(value))
    text = value["b64"]
    try:  # absl::Base64Unescape: the standard alphabet, padding optional
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as e:
        raise errors.json_base64_undecodable() from e


def signature_name_of(doc: dict) -> str:
    """FillSignature(): the optional "signature_name" key ("" when absent)."""
    if "signature_name" not in doc:
        return ""
    name = doc["signature_name"]
    if not isinstance(name, str):
        raise errors.json_signature_name_not_string(json_text(doc))
    return name


def _lossless(value, max_int: int, max_abs: float) -> bool:
    """IsLosslessDecimal<T>()."""
    if isinstance(value, float):
        return not math.isfinite(value) or -max_abs <= value <= max_abs
    return abs(value) <= max_int


def _decimal_text(value: float, double: bool = False) -> str:
    """WriteDecimal(): StrCat's 6 digits unless they don't round-trip, then max_digits10; '.0' on integers."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "-Infinity" if value < 0 else "Infinity"
    text = "%.6g" % value
    back = float(text)
    if not double:
        back = struct.unpack("f", struct.pack("f", back))[0]
    if back != value:
        text = "%.17g" % value if double else "%.9g" % value
    if "." not in text and "e" not in text:
        text += ".0"
    return text

"""Reading the raw pretraining corpus: input globs, documents of tokenized segments, sentence splitting.

Plain text files, one sentence or paragraph per line, a blank line between documents (see
:mod:`albert_tf.pretraining.data` for the whole recipe): :func:`expand_input_files` resolves the globs,
:func:`read_documents` turns the files into documents (lists of int32 id arrays, one per segment), and
:func:`split_sentences` is the punctuation rule that cuts paragraphs into sentences.
"""

from __future__ import annotations

import glob as glob_lib
import os
import re
from typing import Sequence

import numpy as np

from albert_tf.utils.io import name_invalid_utf8

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace and an
# upper-case letter, digit or opening quote. Abbreviations ("U.S. Army") split too: good enough for SOP.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(line: str) -> list[str]:
    """Splits a paragraph into sentences with a punctuation rule.

    >>> split_sentences("It rained. Then it stopped! Did it? yes.")
    ['It rained.', 'Then it stopped!', 'Did it? yes.']
    """
    parts = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        parts.append(line[start:match.start()] + match.group(0).strip())
        start = match.end()
    parts.append(line[start:])
    return [p.strip() for p in parts if p.strip()]


def expand_input_files(patterns: str | Sequence[str]) -> list[str]:
    """Comma-separated globs (or a list of them) -> sorted, de-duplicated existing files."""
    if isinstance(patterns, str):
        patterns = [p for p in patterns.split(",") if p.strip()]
    files: list[str] = []
    for pattern in patterns:
        matches = sorted(glob_lib.glob(os.path.expanduser(pattern.strip())))
        if not matches:
            raise FileNotFoundError(f"no input file matches {pattern!r}")
        files.extend(matches)
    return sorted(dict.fromkeys(files))


def read_documents(input_files: Sequence[str], tokenizer, *, sentence_split: bool = True,
                   max_documents: int | None = None) -> list[list[np.ndarray]]:
    """Documents as lists of segments, each an int32 array of token ids (no special tokens).

    The tokenizer does ALBERT's preprocessing (lowercasing, accent stripping, whitespace collapse), so
    ids are those `AlbertTokenizer` gives at fine-tuning time.
    """
    documents: list[list[np.ndarray]] = [[]]
    for path in input_files:
        try:
            done = _read_file_documents(path, tokenizer, documents, sentence_split, max_documents)
        except UnicodeDecodeError:
            name_invalid_utf8([path])  # the decode error itself names neither the file nor the line
            raise
        if done:
            break
    return [d for d in documents if d]


def _read_file_documents(path: str, tokenizer, documents: list, sentence_split: bool,
                         max_documents: int | None) -> bool:
    """Appends one file's documents to ``documents``; True once ``max_documents`` are complete."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                if documents[-1]:
                    if max_documents is not None and len(documents) >= max_documents:
                        return True
                    documents.append([])
                continue
            for sentence in (split_sentences(line) if sentence_split else [line]):
                ids = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(sentence))
                if ids:
                    documents[-1].append(np.asarray(ids, np.int32))
    # A file ends a document even without a trailing blank line.
    if documents[-1]:
        if max_documents is not None and len(documents) >= max_documents:
            return True
        documents.append([])
    return False

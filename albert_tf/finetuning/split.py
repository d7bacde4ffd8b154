"""A deterministic train / dev split of a CSV, TSV or JSON-lines file.

Example:
    >>> import os, tempfile
    >>> out = tempfile.mkdtemp()
    >>> train, dev = train_dev_split("data/reviews.csv", out, dev_fraction=0.1, seed=0)
    >>> sum(1 for _ in open(dev)) - 1 >= 1000   # header + 10% of 10,752 rows
    True
"""

from __future__ import annotations

import csv
import io
import os
import random

from albert_tf.finetuning.errors import DataFormatError
from albert_tf.tasks.data_files import check_readable, open_text
from albert_tf.tasks.sequence_classification import file_format
from albert_tf.utils.io import atomic_write_text


def _records(path: str) -> tuple[str | None, list[str]]:
    """(header, records) with each record's original text (CSV records may span lines)."""
    kind = file_format(path)
    text = open_text(path)
    if kind == "jsonl":
        return None, [line + "\n" for line in text.splitlines() if line.strip()]
    delimiter = "\t" if kind == "tsv" else ","
    quoting = csv.QUOTE_NONE if kind == "tsv" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting)
    header, records = None, []
    try:
        for row in reader:
            if not row or all(not field.strip() for field in row):
                continue
            buffer = io.StringIO()
            csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator="\n").writerow(row)
            if header is None:
                header = buffer.getvalue()
            else:
                records.append(buffer.getvalue())
    except csv.Error as err:
        raise DataFormatError(path, reader.line_num, f"malformed CSV: {err}") from None
    return header, records


def train_dev_split(path: str, output_dir: str, *, dev_fraction: float = 0.1, seed: int = 0,
                    max_train: int | None = None, max_dev: int | None = None) -> tuple[str, str]:
    """Shuffles the records of ``path`` with ``seed`` and writes ``train<ext>`` and ``dev<ext>`` into
    ``output_dir`` (header kept); returns their paths. The same file, fraction and seed always give the
    same split. ``max_train`` / ``max_dev`` cap the sizes (taken after the split, so the dev set of a
    capped run is a prefix of the uncapped one)."""
    path = check_readable(path)
    if not 0 < dev_fraction < 1:
        raise ValueError(f"dev_fraction must be between 0 and 1, got {dev_fraction}")
    header, records = _records(path)
    if len(records) < 2:
        raise DataFormatError(path, None, f"{len(records)} record(s): too few to split")
    order = list(range(len(records)))
    random.Random(seed).shuffle(order)
    n_dev = min(max(1, round(len(records) * dev_fraction)), len(records) - 1)
    dev, train = order[:n_dev], order[n_dev:]
    if max_dev is not None:
        dev = dev[:max_dev]
    if max_train is not None:
        train = train[:max_train]
    extension = os.path.splitext(path)[1]
    os.makedirs(output_dir, exist_ok=True)
    paths = []
    for name, indices in (("train", train), ("dev", dev)):
        out = os.path.join(output_dir, name + extension)
        atomic_write_text(out, (header or "") + "".join(records[i] for i in indices))
        paths.append(out)
    return paths[0], paths[1]

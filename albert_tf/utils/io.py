"""File helpers: atomic writes (a reader never sees a half-written file), UTF-8 checks naming the line, and
JSON object files read with errors naming file and line."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Callable, Iterable, Iterator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """Yields a temporary path beside `path`; on success it is renamed over `path`.

    Example:
        >>> import os, tempfile
        >>> target = os.path.join(tempfile.mkdtemp(), "x.txt")
        >>> with atomic_path(target) as tmp:
        ...     _ = open(tmp, "w").write("hi")
        >>> open(target).read()
        'hi'
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(path) + "-", dir=directory)
    os.close(fd)
    # mkstemp creates 0600; published files get the usual umask-derived mode instead.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def atomic_write_with(path: str | os.PathLike, writer: Callable[[str], None]) -> None:
    """Calls `writer(tmp_path)` and renames the result over `path`."""
    with atomic_path(path) as tmp:
        writer(tmp)


def invalid_utf8(path: str | os.PathLike) -> tuple[int, str] | None:
    """The first line of a file that is not UTF-8, as (1-based line number, reason); None if it all decodes.

    Reads line by line, so a large corpus is never held in memory; a newline byte never occurs inside a
    UTF-8 sequence, so per-line decoding finds exactly the bytes a whole-file decode would reject.

    Example:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as f:
        ...     _ = f.write("ok\\ncaf\\xe9\\n".encode("latin-1"))
        >>> invalid_utf8(f.name)
        (2, 'not valid UTF-8 (invalid continuation byte at byte 6)')
    """
    offset = 0
    with open(path, "rb") as f:
        for number, line in enumerate(f, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                return number, f"not valid UTF-8 ({err.reason} at byte {offset + err.start})"
            offset += len(line)
    return None


def name_invalid_utf8(paths: Iterable[str | os.PathLike]) -> None:
    """Raises ``ValueError("PATH:LINE: not valid UTF-8 (...)")`` for the first of ``paths`` that does not
    decode: what a reader calls when a ``UnicodeDecodeError`` (which names neither) reaches it."""
    for path in paths:
        found = invalid_utf8(path)
        if found is not None:
            raise ValueError(f"{os.fspath(path)}:{found[0]}: {found[1]}")


def read_json_object(path: str | os.PathLike) -> dict:
    """The JSON object in ``path``; a syntax error names the file and line, another top-level type the file."""
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f"{os.fspath(path)}: not valid JSON (line {err.lineno}: {err.msg})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{os.fspath(path)}: expected a JSON object, got {type(value).__name__}")
    return value

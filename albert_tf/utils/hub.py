"""Downloads from the Hugging Face Hub for every loader (weights and config, tokenizer), with one-line errors.

huggingface_hub is optional (the `hub` extra); a repository id that is not a local directory needs it.

Example:
    >>> snapshot("albert/albert-base-v2", ["spiece.model"], "pass a local directory")  # doctest: +SKIP
    '.../snapshots/<revision>'
"""

from __future__ import annotations

import os
from typing import Iterable


def _failure(error: Exception) -> str:
    """Why the hub did not deliver, in a few words (huggingface_hub's messages run over many lines)."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return "the hub is offline here (HF_HUB_OFFLINE=1)"
    first = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def snapshot(repo_id: str, allow_patterns: Iterable[str], hint: str) -> str:
    """The local directory of ``repo_id``'s files matching ``allow_patterns`` (downloaded or cached).

    Raises OSError in one line, ending with ``hint`` (what to pass instead), when huggingface_hub is not
    installed or the download fails (offline, no network, no such repository, no access).
    """
    try:
        import huggingface_hub
    except ImportError:
        raise OSError(f"{repo_id!r} is not a local directory, and downloading it from the hub needs "
                      f"huggingface_hub, which is not installed (pip install 'albert-tf[hub]'); {hint}") from None
    try:
        return huggingface_hub.snapshot_download(repo_id, allow_patterns=list(allow_patterns))
    except Exception as e:  # offline mode, DNS failure, 404, auth: all surface as one clear line
        raise OSError(f"Could not download {repo_id!r} from the hub ({_failure(e)}); {hint}") from None

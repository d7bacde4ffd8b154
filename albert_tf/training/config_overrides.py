"""``--config_overrides``: ``key=value,...`` parsed into config fields, with unknown keys refused.

Example:
    >>> parse_config_overrides("hidden_size=64,hidden_dropout_prob=0.0")
    {'hidden_size': 64, 'hidden_dropout_prob': 0.0}
"""

from __future__ import annotations

import difflib
import json
from typing import Any, Mapping, Sequence

from albert_tf.modeling.config import AlbertConfig


def config_fields() -> set[str]:
    """The config fields an override may set: those of ``AlbertConfig()`` (HF's ALBERT and common fields)."""
    return set(AlbertConfig().to_dict()) | {"num_labels"}


def check_config_overrides(overrides: Mapping[str, Any]) -> None:
    """Raises ValueError naming an unknown key and the closest field: a typo must not silently train a
    default-sized model (``AlbertConfig`` itself keeps unknown keys, as HF's does, so it cannot tell).

    >>> check_config_overrides({"hiden_size": 64})
    Traceback (most recent call last):
    ...
    ValueError: unknown config field 'hiden_size' in config_overrides (did you mean 'hidden_size'?)
    """
    known = config_fields()
    for key in overrides:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see config.json for the field names"
            raise ValueError(f"unknown config field {key!r} in config_overrides ({hint})")


def parse_config_overrides(text: str | Sequence[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    """``"hidden_size=64,num_hidden_layers=2"`` (or a list of ``key=value``) -> dict with JSON-typed values.
    Unknown keys are an error (see :func:`check_config_overrides`).

    >>> parse_config_overrides("hidden_size=64,hidden_act=gelu_new,hidden_dropout_prob=0.0")
    {'hidden_size': 64, 'hidden_act': 'gelu_new', 'hidden_dropout_prob': 0.0}
    """
    if text is None:
        return {}
    if isinstance(text, Mapping):
        check_config_overrides(text)
        return dict(text)
    items = text.split(",") if isinstance(text, str) else [i for part in text for i in part.split(",")]
    overrides: dict[str, Any] = {}
    for item in items:
        item = item.strip()
        if not item:
            continue
        if "=" not in item:
            raise ValueError(f"config override {item!r} is not key=value")
        key, value = (s.strip() for s in item.split("=", 1))
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    check_config_overrides(overrides)
    return overrides

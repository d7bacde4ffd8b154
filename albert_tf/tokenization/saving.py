"""Tokenizer files as Hugging Face writes and reads them: ``tokenizer_config.json`` (init arguments plus
``added_tokens_decoder``), ``special_tokens_map.json``, ``added_tokens.json`` (legacy) and the model file.

Directories saved here load in HF's ``AlbertTokenizer.from_pretrained`` and the other way round.

Example:
    >>> paths = save_tokenizer(tok, "out")  # doctest: +SKIP
    >>> kwargs = load_init_kwargs(AlbertTokenizer, "out", {})  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import json
import os

from albert_tf.tokenization import constants
from albert_tf.tokenization.added_tokens import SPECIAL_TOKENS_ATTRIBUTES, AddedToken, logger
from albert_tf.utils.io import atomic_write_bytes, read_json_object

ADDED_TOKENS_FILE = "added_tokens.json"
# init arguments that are not configuration: never written to tokenizer_config.json.
_NOT_SAVED = ("model_proto", "name_or_path", "special_tokens_map_file", "tokenizer_file", "vocab_file",
              "added_tokens_decoder", "from_slow")


def _to_added_token(value, source: str):
    """``{"content": ..., "lstrip": ...}`` (optionally with ``"__type"``) -> AddedToken; others unchanged."""
    if isinstance(value, dict) and "content" in value:
        state = {k: v for k, v in value.items() if k != "__type"}
        try:
            return AddedToken(**state)
        except TypeError as err:
            raise ValueError(f"{source}: bad added token {value!r} ({err})") from None
    if isinstance(value, list):
        return [_to_added_token(v, source) for v in value]
    return value


def _to_json(value, add_type_field: bool):
    if isinstance(value, AddedToken):
        state = dict(value.__getstate__())
        return {"__type": "AddedToken", **state} if add_type_field else state
    if isinstance(value, (list, tuple)):
        return [_to_json(v, add_type_field) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v, add_type_field) for k, v in value.items()}
    return value


def load_init_kwargs(cls, path: str, kwargs: dict) -> dict:
    """The ``cls(...)`` arguments for the tokenizer saved in directory ``path``, ``kwargs`` winning (HF's
    ``_from_pretrained`` rules)."""
    config_file = os.path.join(path, constants.TOKENIZER_CONFIG_FILE)
    config = read_json_object(config_file) if os.path.isfile(config_file) else {}
    saved_class = config.pop("tokenizer_class", None)
    if saved_class is not None and saved_class.replace("Fast", "") != cls.__name__.replace("Fast", ""):
        logger.warning(
            "The tokenizer class you load from this checkpoint is not the same type as the class this function is "
            f"called from. It may result in unexpected tokenization. \nThe tokenizer class you load from this "
            f"checkpoint is '{saved_class}'. \nThe class this function is called from is '{cls.__name__}'.")
    for key in ("auto_map", "processor_class", "name_or_path"):
        config.pop(key, None)
    init = {k: _to_added_token(v, config_file) for k, v in config.items()}
    added_tokens_decoder = {}
    if "added_tokens_decoder" in config:
        for index, token in config["added_tokens_decoder"].items():
            try:
                added_tokens_decoder[int(index)] = _to_added_token(dict(token), config_file)
            except (TypeError, ValueError):
                raise ValueError(f"{config_file}: added_tokens_decoder[{index!r}] is not an id -> token entry") \
                    from None
    else:  # legacy layout: special tokens and added tokens in their own files
        map_file = os.path.join(path, constants.SPECIAL_TOKENS_MAP_FILE)
        if os.path.isfile(map_file):
            for key, value in read_json_object(map_file).items():
                if kwargs.get(key):
                    continue
                init[key] = _to_added_token(value, map_file)
        added_file = os.path.join(path, ADDED_TOKENS_FILE)
        if os.path.isfile(added_file):
            for token, index in read_json_object(added_file).items():
                if not isinstance(index, int):
                    raise ValueError(f"{added_file}: id of {token!r} is not an integer")
                added_tokens_decoder[index] = AddedToken(token, rstrip=False, lstrip=False, normalized=True,
                                                         special=False)
    by_content = {str(t): t for t in added_tokens_decoder.values()}
    for key in SPECIAL_TOKENS_ATTRIBUTES:
        value = init.get(key)
        if key != "additional_special_tokens" and value is not None and by_content:
            init[key] = by_content.get(str(value), value)
    init["added_tokens_decoder"] = added_tokens_decoder
    init.update(kwargs)
    return init


def save_tokenizer(tokenizer, save_directory: str, filename_prefix: str | None = None) -> tuple[str, ...]:
    """Write the tokenizer's files into ``save_directory``; returns their paths as HF does."""
    if os.path.isfile(save_directory):
        raise NotADirectoryError(f"save_pretrained: {save_directory} is a file, not a directory")
    os.makedirs(save_directory, exist_ok=True)
    prefix = filename_prefix + "-" if filename_prefix else ""
    config_file = os.path.join(save_directory, prefix + constants.TOKENIZER_CONFIG_FILE)
    map_file = os.path.join(save_directory, prefix + constants.SPECIAL_TOKENS_MAP_FILE)

    config = {k: copy.deepcopy(v) for k, v in tokenizer.init_kwargs.items() if k not in _NOT_SAVED}
    for key in list(config) + ["model_max_length", "clean_up_tokenization_spaces", "additional_special_tokens",
                               "padding_side", "truncation_side", "sp_model_kwargs"]:
        if hasattr(tokenizer, key):
            config[key] = copy.deepcopy(getattr(tokenizer, key))
    config.update(tokenizer.special_tokens_map)
    config = _to_json(config, add_type_field=True)
    config["added_tokens_decoder"] = {str(i): dict(t.__getstate__())
                                      for i, t in tokenizer.added_tokens_decoder.items()}
    config["tokenizer_class"] = type(tokenizer).__name__
    atomic_write_bytes(config_file, (json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
                  .encode("utf-8"))
    special_map = _to_json(tokenizer.special_tokens_map_extended, add_type_field=False)
    atomic_write_bytes(map_file, (json.dumps(special_map, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
                  .encode("utf-8"))
    files = [config_file, map_file]
    added = {t: i for t, i in tokenizer.added_tokens_encoder.items() if i >= tokenizer.vocab_size}
    if added:
        added_file = os.path.join(save_directory, prefix + ADDED_TOKENS_FILE)
        atomic_write_bytes(added_file, (json.dumps(added, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
                      .encode("utf-8"))
    vocab_files = tokenizer.save_vocabulary(save_directory, filename_prefix=filename_prefix)
    return tuple(files) + tuple(vocab_files) + ((os.path.join(save_directory, prefix + ADDED_TOKENS_FILE),)
                                                if added else ())

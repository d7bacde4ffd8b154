"""``models.config`` (TF Serving's text ``ModelServerConfig``) for several exported models.

Built as the real ``tensorflow.serving.ModelServerConfig`` proto and printed in text format, so the server
parses exactly what this module validated.

Example:
    >>> print(render_models_config([ServedModel("sst2", "/models/sst2"),
    ...                              ServedModel("squad", "/models/squad", versions=(1, 2), labels={"stable": 1})]))
    model_config_list {
      config {
        name: "sst2"
        base_path: "/models/sst2"
        model_platform: "tensorflow"
      }
      config {
        name: "squad"
        base_path: "/models/squad"
        model_platform: "tensorflow"
        model_version_policy {
          specific {
            versions: 1
            versions: 2
          }
        }
        version_labels {
          key: "stable"
          value: 1
        }
      }
    }
    <BLANKLINE>
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re

from albert_tf.export.versioned import existing_versions

_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclasses.dataclass(frozen=True)
class ServedModel:
    """One model for TF Serving.

    Args:
        name: the model name clients use (``/v1/models/<name>``).
        base_path: ``BASE/NAME`` as the server sees it (absolute; inside the container for Docker).
        versions: serve exactly these versions (``specific`` policy); empty: ``latest`` (or ``all``).
        all_versions: serve every version found (``all`` policy).
        labels: version label -> version (each must be one of ``versions``).
    """

    name: str
    base_path: str
    versions: tuple[int, ...] = ()
    all_versions: bool = False
    labels: dict = dataclasses.field(default_factory=dict)

    def validate(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"model name {self.name!r}: use letters, digits, '_', '-', '.'")
        if not (self.base_path.startswith("/") or re.match(r"^[a-z][a-z0-9+.-]*://", self.base_path)):
            raise ValueError(f"{self.name}: base_path must be absolute (or a gs:// / s3:// URL), got {self.base_path!r}")
        if self.versions and self.all_versions:
            raise ValueError(f"{self.name}: give specific versions or all_versions, not both")
        for label, version in self.labels.items():
            if not _NAME.match(label):
                raise ValueError(f"{self.name}: bad label {label!r}")
            # TF Serving only assigns labels to versions it loads (unless the server runs with
            # --allow_version_labels_for_unavailable_models).
            if version not in self.versions:
                raise ValueError(f"{self.name}: label {label!r} -> version {version}, which is not in the "
                                 f"served versions {list(self.versions)}; add it to the specific versions")


def render_models_config(models: list[ServedModel]) -> str:
    """The text-format ``ModelServerConfig`` for ``models``."""
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    if not models:
        raise ValueError("no models to serve")
    names = [m.name for m in models]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate model names: {duplicates}")
    config = model_server_config_pb2.ModelServerConfig()
    for model in models:
        model.validate()
        entry = config.model_config_list.config.add()
        entry.name = model.name
        entry.base_path = model.base_path
        entry.model_platform = "tensorflow"
        if model.versions:
            entry.model_version_policy.specific.versions.extend(sorted(model.versions))
        elif model.all_versions:
            entry.model_version_policy.all.SetInParent()
        for label, version in sorted(model.labels.items()):
            entry.version_labels[label] = version
    return text_format.MessageToString(config)


def check_exports(models: list[ServedModel], local_base_paths: dict[str, str] | None = None) -> None:
    """Checks that each model's local export directory holds the versions the config asks for.

    Args:
        local_base_paths: model name -> where ``BASE/NAME`` is on this machine (default: its base_path).
    Raises:
        FileNotFoundError: a model has no version with a ``saved_model.pb``, or lacks a requested version.
    """
    local_base_paths = local_base_paths or {}
    for model in models:
        local = local_base_paths.get(model.name, model.base_path)
        found = [v for v in existing_versions(local) if os.path.isfile(os.path.join(local, str(v), "saved_model.pb"))]
        if not found:
            raise FileNotFoundError(f"{model.name}: no exported version (BASE/NAME/<int>/saved_model.pb) in {local}")
        missing = sorted(set(model.versions) - set(found))
        if missing:
            raise FileNotFoundError(f"{model.name}: versions {missing} not found in {local} (found {found})")


def container_path(prefix: str, local_base_path: str) -> str:
    """Where ``local_base_path`` (``.../NAME``) appears when its parent is mounted at ``prefix``."""
    return posixpath.join(prefix, os.path.basename(os.path.normpath(local_base_path)))

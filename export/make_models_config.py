"""Writes TF Serving's models.config for several models exported with `albert-tf export`.

Usage:
    python export/make_models_config.py --model models/sst2 --model models/squad \
        --versions squad=1,2 --label squad:stable=1 --label squad:canary=2 \
        --container_base /models --output models.config

    --model [NAME=]DIR       an export directory BASE/NAME (NAME defaults to its basename); repeatable
    --versions NAME=V1,V2    serve exactly these versions (default: the latest one)
    --all_versions NAME      serve every version
    --label NAME:LABEL=V     a version label (the version must be among --versions)
    --container_base PATH    base_path as the server sees it: PATH/NAME (e.g. /models in Docker);
                             default: DIR made absolute
    --output FILE            write atomically to FILE (default: stdout)

Every DIR is checked for the requested versions (BASE/NAME/<int>/saved_model.pb) before writing.
Then run:  docker run -p 8500:8500 -p 8501:8501 -v $PWD/models:/models -v $PWD/models.config:/config/models.config \
             tensorflow/serving:2.21.0 --model_config_file=/config/models.config
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from albert_tf.export.models_config import (  # noqa: E402
    ServedModel, check_exports, container_path, render_models_config)
from albert_tf.utils.io import atomic_write_text  # noqa: E402


def _split(value: str, sep: str, what: str) -> tuple[str, str]:
    if sep not in value:
        raise SystemExit(f"{what}: expected '{sep}' in {value!r}")
    left, right = value.split(sep, 1)
    return left, right


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True)
    parser.add_argument("--versions", action="append", default=[])
    parser.add_argument("--all_versions", action="append", default=[])
    parser.add_argument("--label", action="append", default=[])
    parser.add_argument("--container_base")
    parser.add_argument("--output")
    args = parser.parse_args(argv)

    local = {}
    for spec in args.model:
        name, directory = spec.split("=", 1) if "=" in spec else (os.path.basename(os.path.normpath(spec)), spec)
        local[name] = os.path.abspath(directory)
    versions = {}
    for spec in args.versions:
        name, values = _split(spec, "=", "--versions")
        versions[name] = tuple(int(v) for v in values.split(","))
    labels = {}
    for spec in args.label:
        name, assignment = _split(spec, ":", "--label")
        label, version = _split(assignment, "=", "--label")
        labels.setdefault(name, {})[label] = int(version)
    unknown = (set(versions) | set(labels) | set(args.all_versions)) - set(local)
    if unknown:
        raise SystemExit(f"options name models that no --model gives: {sorted(unknown)}")

    models = [
        ServedModel(name=name,
                    base_path=container_path(args.container_base, path) if args.container_base else path,
                    versions=versions.get(name, ()), all_versions=name in args.all_versions,
                    labels=labels.get(name, {}))
        for name, path in local.items()
    ]
    try:
        check_exports(models, local_base_paths=local)
        text = render_models_config(models)
    except (ValueError, FileNotFoundError) as err:
        raise SystemExit(f"make_models_config: {err}")
    if args.output:
        atomic_write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

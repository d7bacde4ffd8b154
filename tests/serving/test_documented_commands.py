"""The commands that serving/README.md, export/README.md and ``albert-tf predict --help`` document, run as
written (tests/serving/documented.py reads them from those texts, so a change to the docs changes what runs).

serving/README.md and predict's examples run in order with bash in the project directory of the session
fixture ``sentiment_project`` (which ran the README's export command): server commands (``albert-tf serve``)
start in the background and must make their models AVAILABLE; the client commands after them (curl,
``albert-tf predict``, the Python example, then predict's --help examples against the README's last server)
must exit 0, and no REST answer may be an ``{"error": ...}``.

export/README.md's commands run in a second project whose ``runs/NAME`` are tiny random models of the heads
the README's lines name. Cost is what decides how each kind of command is checked (a text-in export takes
~25 s of CPU here, ten of them would double this file): the Python example and every export line whose
output a later command reads (stock and albert-tf ``saved_model_cli run``, ``make_models_config.py``) run
for real, except one that is serving/README.md's export command under other names, whose version is copied
from ``sentiment_project``; every export line is parsed by the export command's own flags; the curl bodies are
checked against the signatures that line's export has (``albert_tf.export.signatures``, the table the
exporter writes and tests/export checks), the request shapes that serving/README.md's curls send to a server.
Docker commands need the tensorflow/serving image, absent here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.serving.documented import (
    REPO,
    SENTIMENT_LABELS,
    Project,
    command_help,
    console_commands,
    help_commands,
    plain_block_commands,
    python_block,
    read,
    save_tiny_run,
)

STOCK_IMAGE = "tensorflow/serving:2.21.0"


def _docker_image_present() -> bool:
    try:
        return subprocess.run(["docker", "image", "inspect", STOCK_IMAGE], capture_output=True,
                              timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _served_models(command: str, project: Project) -> list[str]:
    """The models a server command serves: --model_name, or the names in its models.config."""
    words = shlex.split(command)
    for word in words:
        if word.startswith("--model_name="):
            return [word.split("=", 1)[1]]
        if word.startswith("MODEL_NAME="):  # docker run -e MODEL_NAME=...
            return [word.split("=", 1)[1]]
    config = next((w.split("=", 1)[1] for w in words if w.startswith("--model_config_file=")), None)
    if config is None or "compose" in command:
        config = project.path("serving", "models.config")
    elif words[0] == "docker":  # a container path: the host file behind its -v mount
        mounts = [words[i + 1].replace("$PWD", project.root).split(":")[:2] for i, w in enumerate(words)
                  if w == "-v"]
        source, target = max((m for m in mounts if config.startswith(m[1])), key=lambda m: len(m[1]))
        config = source + config[len(target):]
    with open(config, encoding="utf-8") as f:
        return re.findall(r"name:\s*'([^']+)'", f.read())


def _is_server(command: str) -> bool:
    return command.startswith(("albert-tf serve", "docker run", "docker compose")) and "--help" not in command


def _check_client(command: str, output: list[str], done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, f"{command!r} exited {done.returncode}:\n{done.stderr[-3000:]}"
    if command.startswith("curl"):
        reply = json.loads(done.stdout)
        assert "error" not in reply, f"{command!r}: {reply}"
        if output and output[0].lstrip().startswith("{"):  # the documented answer, a status: same JSON
            assert reply == json.loads(" ".join(output)), f"{command!r}: {reply} != {output}"
    if command.startswith("albert-tf predict"):
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        assert lines, f"{command!r} printed nothing"
        for line in lines:
            if "classes" in line:
                assert {label for label, _ in line["classes"]} == set(SENTIMENT_LABELS.values()), line
            if "outputs" in line and "label" in line["outputs"]:  # one text's label, or a batch's (inputs_json)
                label = line["outputs"]["label"]
                assert set(label if isinstance(label, list) else [label]) <= set(SENTIMENT_LABELS.values()), line
        if output and output[0].startswith("{"):  # the documented output line: same keys (weights are random)
            shown = json.loads(output[0])
            assert set(lines[0]) == set(shown), (lines[0], shown)
            if "outputs" in shown:
                assert set(shown["outputs"]) <= set(lines[0]["outputs"]), (lines[0], shown)
    if command.startswith("albert-tf export"):
        export_dir = re.search(r"--export_dir=(\S+)", command).group(1)
        assert re.search("/" + re.escape(export_dir) + r"/\d+$", done.stdout.strip()), done.stdout


def run_documented(commands: list[tuple[str, list[str]]], project: Project) -> None:
    """Run the commands in order: servers in the background, clients checked."""
    try:
        for command, output in commands:
            local = project.localize(command)
            if _is_server(command):
                project.start_server(local, _served_models(local, project))
                continue
            _check_client(command, output, project.run(local))
    finally:
        project.stop_servers()


# --- serving/README.md and `albert-tf predict --help` ---------------------------------------------------------

def _serving_readme() -> tuple[list, list]:
    """serving/README.md's commands (its Python example last), split into (docker ones, the others)."""
    readme = read("serving", "README.md")
    commands = console_commands(readme) + [(f"python - <<'EOF'\n{python_block(readme)}\nEOF", [])]
    docker = [c for c in commands if c[0].startswith("docker")]
    return docker, [c for c in commands if not c[0].startswith("docker")]


def test_docs_have_commands():
    serving = console_commands(read("serving", "README.md"))
    assert sum(c.startswith("albert-tf") for c, _ in serving) >= 6
    assert sum(c.startswith("curl") for c, _ in serving) >= 3
    assert len(help_commands(command_help("predict"))) >= 3
    export_readme = [c for block in plain_block_commands(read("export", "README.md")) for c in block]
    assert sum(c.startswith("albert-tf export") for c in export_readme) >= 7
    assert sum(c.startswith("curl") for c in export_readme) >= 3


def test_serving_readme_and_predict_help_commands_run(sentiment_project):
    """Everything but docker, in the README's order, then predict's --help examples against the README's
    last server (the kit's models.config, batching and monitoring)."""
    command, output, done = sentiment_project.export  # the README's first command, run by the fixture
    commands = _serving_readme()[1]
    assert commands[0] == (command, output)
    _check_client(command, output, done)
    run_documented(commands[1:] + help_commands(command_help("predict")), sentiment_project)


@pytest.mark.parametrize("index", range(len(_serving_readme()[0])))
def test_serving_readme_docker_commands_run(sentiment_project, index):
    if not _docker_image_present():
        pytest.skip(f"docker with the {STOCK_IMAGE} image is not available here")
    run_documented([_serving_readme()[0][index]], sentiment_project)


# --- export/README.md -----------------------------------------------------------------------------------------

# What each `--model=runs/NAME` of export/README.md stands for: the head its fine-tuning leaves.
EXPORT_RUNS = {
    "sst2": ("TFAlbertForSequenceClassification", {"id2label": SENTIMENT_LABELS}),
    "mnli": ("TFAlbertForSequenceClassification", {"id2label": {0: "entailment", 1: "neutral", 2: "contradiction"}}),
    "stsb": ("TFAlbertForSequenceClassification", {"num_labels": 1}),
    "squad": ("TFAlbertForQuestionAnswering", {}),
    "conll": ("TFAlbertForTokenClassification", {"id2label": {0: "O", 1: "B-PER", 2: "I-PER"}}),
    "swag": ("TFAlbertForMultipleChoice", {}),
    "base": ("TFAlbertForPreTraining", {}),
}

# Parses each command line (JSON list on stdin) with the export command's own absl flags, as `albert-tf
# export` does before its first step; prints every export flag's value. Command modules import nothing heavy.
_PARSE_EXPORT_FLAGS = """
import json, shlex, sys
from absl import flags
from albert_tf.commands import export  # noqa: F401  (defines the command's flags)
FLAGS = flags.FLAGS
parsed = []
for command in json.load(sys.stdin):
    FLAGS.unparse_flags()
    FLAGS(["albert-tf export"] + shlex.split(command, comments=True)[2:])
    parsed.append({flag.name: flag.value for flag in FLAGS.get_flags_for_module(export)})
print(json.dumps(parsed))
"""


def _parse_export_lines(commands: list[str]) -> list[dict]:
    done = subprocess.run([sys.executable, "-c", _PARSE_EXPORT_FLAGS], input=json.dumps(commands), text=True,
                          capture_output=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=REPO), timeout=120)
    assert done.returncode == 0, f"an export line of export/README.md is not a valid command:\n{done.stderr}"
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def export_readme():
    readme = read("export", "README.md")
    commands = [c for block in plain_block_commands(readme) for c in block]
    exports = [c for c in commands if c.startswith("albert-tf export")]
    return readme, commands, dict(zip(exports, _parse_export_lines(exports)))


def _check_curl_body(command: str, exports: dict) -> None:
    """A curl of export/README.md names the signature and inputs that the export behind its URL has."""
    from albert_tf.export import signatures

    body = json.loads(shlex.split(command)[shlex.split(command).index("-d") + 1])
    name, verb = re.search(r"/v1/models/([^/:]+):(\w+)", command).groups()
    (options,) = [o for o in exports.values() if os.path.basename(o["export_dir"]) == name]
    num_labels = EXPORT_RUNS[os.path.basename(options["model"])][1].get("num_labels", 2)  # 1: a regressor
    specs = signatures.signature_specs(options["task"], num_labels=num_labels, text_pair=options["text_pair"],
                                       ids_only=options["ids_only"])
    signature = body.get("signature_name", signatures.SERVING_DEFAULT)
    assert signature in specs, f"{command!r}: {name} has no signature {signature!r} (has {sorted(specs)})"
    spec = specs[signature]
    assert spec.method_name == f"tensorflow/serving/{verb}", f"{command!r}: {signature} is {spec.method_name}"
    if verb == "predict":
        rows = body["instances"] if "instances" in body else [body["inputs"]]
        for row in rows:
            names = set(row) if isinstance(row, dict) else {spec.input_names[0]}
            assert names == set(spec.input_names), f"{command!r}: inputs {names} != {set(spec.input_names)}"
    else:
        features = {signatures.EXAMPLE_TEXT_FEATURE} | (
            {signatures.EXAMPLE_TEXT_PAIR_FEATURE} if options["text_pair"] else set())
        for example in body["examples"]:
            assert set(example) == features, f"{command!r}: features {set(example)} != {features}"


@pytest.fixture(scope="module")
def export_project(export_readme, sentiment_project, tmp_path_factory):
    """export/README.md's commands run in a project with its runs/NAME: the Python example, the export lines
    whose output a later command reads, then the other commands but curl and docker. Returns the project and
    [(command, CompletedProcess)] in the README's order.

    An export line that is serving/README.md's export command with other names (same options, a run built
    like runs/sentiment) is not run again: ``sentiment_project`` ran it, and its version is copied in."""
    from albert_tf.tokenization import AlbertTokenizer

    readme, commands, exports = export_readme
    project = Project(str(tmp_path_factory.mktemp("export_project")))
    tokenizer = AlbertTokenizer.from_pretrained(sentiment_project.path("spm"))
    for options in exports.values():
        run_name = os.path.basename(options["model"])
        assert run_name in EXPORT_RUNS, f"export/README.md exports runs/{run_name}: add what it is to EXPORT_RUNS"
        model_class, config = EXPORT_RUNS[run_name]
        if not os.path.isdir(project.path(options["model"])):
            save_tiny_run(project.path(options["model"]), tokenizer, model_class, **config)
    os.symlink(os.path.join(REPO, "export"), project.path("export"))

    python = f"python - <<'EOF'\n{python_block(readme)}\nEOF"
    results = [(python, project.run(python))]
    others = [c for c in commands if c not in exports and not c.startswith(("docker", "curl"))]
    read_later = re.findall(r"--dir=models/([^/\s]+)/|--model (?:\w+=)?models/([^/\s]+)", " ".join(others))
    read_later = {name for pair in read_later for name in pair if name}
    needed = [c for c, o in exports.items() if os.path.basename(o["export_dir"]) in read_later]

    sentiment_command, _, sentiment_done = sentiment_project.export
    (sentiment_options,) = _parse_export_lines([sentiment_command])
    if sentiment_done.returncode == 0:
        for command in [c for c in needed if _same_export(exports[c], sentiment_options)]:
            needed.remove(command)
            base = project.path(exports[command]["export_dir"])
            version = max([int(v) for v in os.listdir(base) if v.isdigit()] if os.path.isdir(base) else [0]) + 1
            shutil.copytree(sentiment_project.path("models", "sentiment", "1"), os.path.join(base, str(version)))
    with ThreadPoolExecutor(2) as pool:
        results += list(zip(needed, pool.map(project.run, needed)))
    results += [(command, project.run(command)) for command in others]
    return project, results


def _same_export(options: dict, sentiment_options: dict) -> bool:
    """``options`` (an export line's) export what serving/README.md's command exported from runs/sentiment."""
    run_name = os.path.basename(options["model"])
    same_run = EXPORT_RUNS[run_name] == ("TFAlbertForSequenceClassification", {"id2label": SENTIMENT_LABELS})
    names = ("model", "export_dir")
    return same_run and ({k: v for k, v in options.items() if k not in names} ==
                         {k: v for k, v in sentiment_options.items() if k not in names})


def test_export_readme_commands_run(export_readme, export_project):
    """The Python example and the export lines whose output later commands read ran for real, then
    saved_model_cli (albert-tf's and stock's) and make_models_config.py; every export line parses as the
    export command's flags (export_readme); every curl names the signature and inputs its model's export has."""
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    _, commands, exports = export_readme
    project, results = export_project
    assert any(c in exports for c, _ in results), "export/README.md: no later command reads an export"
    for command, done in results:
        _check_client(command, [], done)
    for command in commands:
        if command.startswith("curl"):
            _check_curl_body(command, exports)
    with open(project.path("models.config"), encoding="utf-8") as f:  # what the docker command mounts
        config = text_format.Parse(f.read(), model_server_config_pb2.ModelServerConfig())
    for model in config.model_config_list.config:
        for version in list(model.model_version_policy.specific.versions) or [1]:
            assert os.path.isfile(project.path("models", model.name, str(version), "saved_model.pb"))


@pytest.mark.parametrize("command", [c for block in plain_block_commands(read("export", "README.md"))
                                     for c in block if c.startswith("docker")])
def test_export_readme_docker_commands_run(export_project, command):
    """The stock server on export/README.md's models.config (where docker has the image)."""
    if not _docker_image_present():
        pytest.skip(f"docker with the {STOCK_IMAGE} image is not available here")
    project, _ = export_project
    local = project.localize(command).replace("-p 8500:", f"-p {project.grpc_port}:").replace(
        "-p 8501:", f"-p {project.rest_port}:")
    run_documented([(local, [])], project)

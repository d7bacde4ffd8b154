"""The commands that serving/README.md, export/README.md and ``albert-tf predict --help`` document, read from
those texts, and the temporary project directory they run in.

Shared by test_documented_commands.py and the session fixture ``sentiment_project`` (conftest.py), which runs
serving/README.md's export command once for every test that needs a real ``albert-tf export``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.serving.conftest import REPO, free_port

SENTIMENT_LABELS = {0: "rotten", 1: "fresh"}
# A tiny ALBERT: the commands' cost is tracing and loading graphs, not the model. 512 positions so the docs'
# --max_length=128 fits.
TINY = dict(embedding_size=8, hidden_size=16, num_attention_heads=2, intermediate_size=32, num_hidden_layers=1,
            max_position_embeddings=512, initializer_range=0.2)
START_TIMEOUT = 300.0
# What a line of a plain ``` block (no ``$`` prompts) starts with when it is a command.
_PROGRAMS = ("albert-tf ", "curl ", "saved_model_cli ", "python ", "docker ")


def read(*parts: str) -> str:
    with open(os.path.join(REPO, *parts), encoding="utf-8") as f:
        return f.read()


def console_commands(markdown: str) -> list[tuple[str, list[str]]]:
    """(command, output lines shown after it) for each ``$ `` line of the ```console blocks, ``\\``
    continuations joined."""
    commands = []
    for block in re.findall(r"```console\n(.*?)```", markdown, re.DOTALL):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            if not lines[i].startswith("$ "):
                i += 1
                continue
            command = lines[i][2:]
            while command.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command.rstrip()[:-1].rstrip() + " " + lines[i].strip()
            output = []
            while i + 1 < len(lines) and not lines[i + 1].startswith("$ "):
                i += 1
                output.append(lines[i])
            commands.append((command, output))
            i += 1
    return commands


def python_block(markdown: str) -> str:
    """The first ```python block: run as ``python - <<'EOF'``."""
    return re.search(r"```python\n(.*?)```", markdown, re.DOTALL).group(1)


def help_commands(docstring: str) -> list[tuple[str, list[str]]]:
    """The ``$ `` examples of a command's docstring (its --help text), with the output lines after each."""
    commands, continued = [], False
    for line in docstring.splitlines():
        stripped = line.strip()
        if continued:
            commands[-1] = (commands[-1][0][:-1].rstrip() + " " + stripped, [])
        elif stripped.startswith("$ "):
            commands.append((stripped[2:], []))
        elif commands and stripped:
            commands[-1][1].append(stripped)
        continued = bool(commands) and not commands[-1][1] and commands[-1][0].endswith("\\")
    return commands


def command_help(command: str) -> str:
    """``albert-tf COMMAND --help``, up to absl's flag list: the command module's docstring."""
    done = subprocess.run([sys.executable, "-m", "albert_tf.cli", command, "--help"], capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split(f"\nalbert_tf.commands.{command}:", 1)[0]


def plain_block_commands(markdown: str) -> list[list[str]]:
    """The commands of each plain ``` block: lines that start with a program, ``\\`` continuations joined; a
    synopsis (``[--flag]``) is not a command."""
    blocks, current_block, command = [], None, None
    for line in markdown.splitlines():
        if line.startswith("```"):
            if current_block is None:
                current_block = [] if line[3:].strip() == "" else False
            else:
                if current_block:
                    blocks.append(current_block)
                current_block = None
            continue
        if current_block is False or current_block is None:
            continue
        if command is not None:
            command = command.rstrip()[:-1].rstrip() + " " + line.strip()
        elif line.startswith(_PROGRAMS):
            command = line
        else:
            continue
        if not command.rstrip().endswith("\\"):
            if "[--" not in command:
                current_block.append(command)
            command = None
    return blocks


def serving_readme_export_command() -> tuple[str, list[str]]:
    """serving/README.md's ``albert-tf export`` command (its first command) and the output it shows."""
    command, output = console_commands(read("serving", "README.md"))[0]
    assert command.startswith("albert-tf export "), command
    return command, output


def save_tiny_run(path: str, tokenizer, model_class: str, **config) -> None:
    """``path`` as ``albert-tf finetune`` leaves a run: a tiny random ``model_class`` and its tokenizer."""
    import keras

    from albert_tf import modeling

    keras.utils.set_random_seed(0)
    model = getattr(modeling, model_class)(modeling.AlbertConfig(vocab_size=tokenizer.vocab_size, **TINY, **config))
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)


def train_small_tokenizer(path: str):
    """A 300-piece SentencePiece model of the bundled reviews (seconds to train)."""
    from albert_tf.tokenization import AlbertTokenizer, train_tokenizer

    train_tokenizer([os.path.join(REPO, "data", "reviews.csv")], 300, path, max_lines=2000)
    return AlbertTokenizer.from_pretrained(path)


class Project:
    """The temporary directory the commands run in (with bash, the venv first on PATH), and the servers
    they started. Only machine specifics of a command change: the ports 8500/8501 become free loopback ports
    and /tmp/models.config a file of the directory."""

    def __init__(self, root: str):
        self.root = root
        self.grpc_port, self.rest_port = free_port(), free_port()
        self.servers: list[subprocess.Popen] = []
        self.env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
                        PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2")

    def path(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    def localize(self, command: str) -> str:
        for old, new in (("localhost:8500", f"127.0.0.1:{self.grpc_port}"),
                         ("localhost:8501", f"127.0.0.1:{self.rest_port}"),
                         ("127.0.0.1:8500:", f"127.0.0.1:{self.grpc_port}:"),
                         ("127.0.0.1:8501:", f"127.0.0.1:{self.rest_port}:"),
                         ("--port=8500", f"--port={self.grpc_port}"),
                         ("--rest_api_port=8501", f"--rest_api_port={self.rest_port}"),
                         ("/tmp/models.config", self.path("models.config"))):
            command = command.replace(old, new)
        return command

    def run(self, command: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=self.root,
                              env=self.env, timeout=timeout)

    def start_server(self, command: str, models: list[str]) -> None:
        """Stop the running server, start ``command`` and wait until each of ``models`` is AVAILABLE."""
        self.stop_servers()
        log_path = self.path(f"server-{time.monotonic_ns()}.log")
        with open(log_path, "wb") as log:
            process = subprocess.Popen(["bash", "-c", "exec " + command], stdout=log, stderr=subprocess.STDOUT,
                                       cwd=self.root, env=self.env)
        self.servers.append(process)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert process.poll() is None, f"{command!r} exited with {process.returncode}:\n{tail(log_path)}"
            if all(self.available(model) for model in models):
                return
            time.sleep(0.5)
        raise AssertionError(f"{command!r}: {models} not AVAILABLE after {START_TIMEOUT}s:\n{tail(log_path)}")

    def available(self, model: str) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.rest_port}/v1/models/{model}", timeout=5) as r:
                return any(v["state"] == "AVAILABLE" for v in json.loads(r.read())["model_version_status"])
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def stop_servers(self) -> None:
        for process in self.servers:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
        self.servers.clear()


def tail(path: str) -> str:
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")[-5000:]

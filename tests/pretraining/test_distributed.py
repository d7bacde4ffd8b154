"""Acceptance 2 and 3: MirroredStrategy = one device, 2 workers on loopback, SIGKILL and resume, TPU checks."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from albert_tf import TFAlbertForPreTraining
from albert_tf.pretraining import StrategyError, make_strategy, parse_tf_config
from albert_tf.training.strategy import validate_strategy_flags
from tests.pretraining.conftest import (
    REPO,
    SUBPROCESS_ENV,
    TINY_CONFIG,
    cli_config_overrides,
    free_port,
    records_glob,
    run_cli,
)


def _rows(model_dir):
    with open(os.path.join(model_dir, "metrics.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _train_args(records, spm_dir, model_dir, **overrides):
    args = dict(model_config="albert-base-v2", config_overrides=cli_config_overrides(), train_files=records,
                tokenizer=spm_dir, model_dir=model_dir, global_batch_size=16, learning_rate=0.05, warmup_steps=5,
                seed=3, shuffle_buffer_size=200, progress_bar="false")
    args.update(overrides)
    return ["pretrain"] + [f"--{k}={v}" for k, v in args.items()]


def test_mirrored_over_two_devices_equals_one_device(tiny_records, spm_dir, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tests.pretraining.mirrored_vs_single", records_glob(tiny_records), spm_dir,
         str(tmp_path), json.dumps(TINY_CONFIG)],
        env=SUBPROCESS_ENV, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    single = {r["step"]: r for r in _rows(os.path.join(tmp_path, "single")) if "loss" in r}
    mirrored = {r["step"]: r for r in _rows(os.path.join(tmp_path, "mirrored")) if "loss" in r}
    assert sorted(single) == sorted(mirrored) == list(range(1, 13))
    for step in single:
        for key in ("loss", "mlm_accuracy", "sop_accuracy"):
            assert mirrored[step][key] == pytest.approx(single[step][key], abs=1e-5), (step, key)
    a = TFAlbertForPreTraining.from_pretrained(result["single"])
    b = TFAlbertForPreTraining.from_pretrained(result["mirrored"])
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_allclose(x.numpy(), y.numpy(), atol=1e-5, err_msg=x.path)


def test_two_workers_on_loopback_train_checkpoint_and_finish(tiny_records, spm_dir, tmp_path):
    model_dir = str(tmp_path / "run")
    workers = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    processes = []
    for index in range(2):
        env = dict(SUBPROCESS_ENV, TF_CONFIG=json.dumps({"cluster": {"worker": workers},
                                                         "task": {"type": "worker", "index": index}}))
        args = _train_args(records_glob(tiny_records), spm_dir, model_dir, strategy="multi_worker",
                           num_train_steps=20, save_checkpoints_steps=10, log_every_steps=10, steps_per_execution=5)
        processes.append(subprocess.Popen([sys.executable, "-m", "albert_tf.cli", *args], env=env, cwd=REPO,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    try:
        outputs = [p.communicate(timeout=420) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
    for p, (_, err) in zip(processes, outputs):
        assert p.returncode == 0, err[-3000:]
    summary = json.loads(outputs[0][0][outputs[0][0].index("{"):])
    assert summary["global_step"] == 20
    checkpoints = sorted(f for f in os.listdir(os.path.join(model_dir, "checkpoints")) if f.endswith(".index"))
    assert checkpoints == ["ckpt-10.index", "ckpt-20.index"]
    assert not os.path.exists(os.path.join(model_dir, ".worker_tmp")), "non-chief copies are cleaned up"
    rows = _rows(model_dir)
    assert [r["step"] for r in rows if "loss" in r] == [10, 20]
    with open(os.path.join(model_dir, "run_config.json"), encoding="utf-8") as f:
        run_config = json.load(f)
    assert run_config["num_replicas"] == 2 and run_config["num_input_pipelines"] == 2
    TFAlbertForPreTraining.from_pretrained(os.path.join(model_dir, "pretrained"))


def test_sigkill_mid_training_resumes_from_the_last_checkpoint(tiny_records, spm_dir, tmp_path):
    model_dir = str(tmp_path / "run")
    total, every = 120, 20
    args = _train_args(records_glob(tiny_records), spm_dir, model_dir, num_train_steps=total,
                       save_checkpoints_steps=every, log_every_steps=5, steps_per_execution=1)
    victim = subprocess.Popen([sys.executable, "-m", "albert_tf.cli", *args], env=SUBPROCESS_ENV, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    metrics = os.path.join(model_dir, "metrics.jsonl")
    try:
        # Kill between checkpoints: after the second checkpoint, once a later step has been logged.
        while time.time() < deadline and victim.poll() is None:
            if os.path.exists(metrics):
                rows = _rows(model_dir)
                saved = max([r["step"] for r in rows if r.get("event") == "checkpoint"], default=0)
                logged = max([r["step"] for r in rows if "loss" in r], default=0)
                if saved >= 2 * every and logged > saved:
                    break
            time.sleep(0.02)
        assert victim.poll() is None, "the run ended before it could be killed: " + victim.stderr.read()[-2000:]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
    assert victim.returncode == -signal.SIGKILL
    before = _rows(model_dir)
    saved = max(r["step"] for r in before if r.get("event") == "checkpoint")
    last_logged = max(r["step"] for r in before if "loss" in r)
    assert saved >= 2 * every and last_logged - saved < every, "nothing lost beyond one checkpoint interval"
    assert saved < total

    done = run_cli(args, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    after = _rows(model_dir)[len(before):]
    assert after[0]["event"] == "restored" and after[0]["step"] == saved
    assert max(r["step"] for r in after if "loss" in r) == total
    assert json.loads(done.stdout[done.stdout.index("{"):])["global_step"] == total
    # The steps the killed run did after its last checkpoint are redone on the same batches: same losses.
    killed = {r["step"]: r["loss"] for r in before if "loss" in r and r["step"] > saved}
    redone = {r["step"]: r["loss"] for r in after if "loss" in r}
    assert killed
    for step, loss in killed.items():
        assert redone[step] == pytest.approx(loss, rel=1e-5), step
    TFAlbertForPreTraining.from_pretrained(os.path.join(model_dir, "pretrained"))


# ------------------------------------------------------------------------------------ strategy choice
def test_tf_config_is_validated():
    good = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, "task": {"type": "worker", "index": 1}}
    assert parse_tf_config(json.dumps(good))["task"]["index"] == 1
    bad = [("", "needs the TF_CONFIG"), ("{", "not valid JSON"), ("[]", "JSON object"),
           ('{"task": {"type": "worker", "index": 0}}', "no 'cluster'"),
           ('{"cluster": {"worker": ["h:1"]}}', "no 'task'"),
           ('{"cluster": {"worker": ["h:1"]}, "task": {"type": "worker", "index": 1}}', "out of range"),
           ('{"cluster": {"worker": ["h"]}, "task": {"type": "worker", "index": 0}}', "host:port"),
           ('{"cluster": {"ps": ["h:1"]}, "task": {"type": "ps", "index": 0}}', "not used")]
    for raw, message in bad:
        with pytest.raises(StrategyError, match=message):
            parse_tf_config(raw)


def test_strategy_flags_are_validated(monkeypatch):
    monkeypatch.delenv("TPU_NAME", raising=False)
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(StrategyError, match="needs --tpu"):
        validate_strategy_flags("tpu")
    with pytest.raises(StrategyError, match="bfloat16"):
        validate_strategy_flags("tpu", tpu="local", mixed_precision="float16")
    with pytest.raises(StrategyError, match="only used with --strategy=tpu"):
        validate_strategy_flags("mirrored", tpu="local")
    with pytest.raises(StrategyError, match="must be one of"):
        validate_strategy_flags("parameter_server")
    with pytest.raises(StrategyError, match="TF_CONFIG"):
        validate_strategy_flags("multi_worker")
    assert make_strategy("default").num_replicas_in_sync == 1
    assert make_strategy("one_device").num_replicas_in_sync == 1


def test_unreachable_tpu_fails_fast_with_a_clear_error():
    started = time.time()
    with pytest.raises(StrategyError, match="cannot reach the TPU worker"):
        make_strategy("tpu", tpu=f"grpc://127.0.0.1:{free_port()}", connect_timeout=5)
    assert time.time() - started < 10


def test_tpu_command_without_a_tpu_exits_with_a_clear_error(tiny_records, spm_dir, tmp_path):
    done = run_cli(_train_args(records_glob(tiny_records), spm_dir, str(tmp_path), strategy="tpu", tpu="local",
                               mixed_precision="bfloat16", steps_per_execution=100, num_train_steps=10),
                   timeout=180)
    assert done.returncode != 0
    assert "could not set up TPU 'local'" in done.stderr and "--tpu=local" in done.stderr

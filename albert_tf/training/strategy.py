"""Choosing a ``tf.distribute`` strategy by name: the same training code on CPU, GPUs, hosts and TPUs.

======================= ==================================================================================
name                    strategy
======================= ==================================================================================
``default``             ``tf.distribute.get_strategy()``: no distribution, whatever device TF picks
``one_device``          ``OneDeviceStrategy`` on the first GPU, else the CPU (or ``devices[0]``)
``mirrored``            ``MirroredStrategy`` over all local GPUs (or ``devices``), synchronous all-reduce
``multi_worker``        ``MultiWorkerMirroredStrategy``; the cluster comes from the ``TF_CONFIG`` variable
``tpu``                 ``TPUStrategy`` on ``tpu`` (a Cloud TPU name, ``grpc://host:8470`` or ``local``)
======================= ==================================================================================

Example:
    >>> strategy = make_strategy("default")
    >>> strategy.num_replicas_in_sync
    1
"""

from __future__ import annotations

import json
import logging
import os
import socket
import urllib.parse
from typing import Sequence

import tensorflow as tf

logger = logging.getLogger("albert_tf")

STRATEGIES = ("default", "one_device", "mirrored", "multi_worker", "tpu")


class StrategyError(RuntimeError):
    """The requested strategy cannot be set up here; the message says why and what to pass."""


def parse_tf_config(raw: str | None = None) -> dict:
    """Validates ``TF_CONFIG`` (default: the environment's) for MultiWorkerMirroredStrategy.

    Returns the parsed dict. Raises :class:`StrategyError` naming the problem.

    >>> cfg = parse_tf_config('{"cluster": {"worker": ["127.0.0.1:2222", "127.0.0.1:2223"]},'
    ...                       ' "task": {"type": "worker", "index": 1}}')
    >>> cfg["task"]["index"]
    1
    """
    raw = os.environ.get("TF_CONFIG") if raw is None else raw
    if not raw:
        raise StrategyError(
            "--strategy=multi_worker needs the TF_CONFIG environment variable, e.g. "
            '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}')
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as err:
        raise StrategyError(f"TF_CONFIG is not valid JSON: {err}") from None
    if not isinstance(config, dict):
        raise StrategyError("TF_CONFIG must be a JSON object with 'cluster' and 'task'")
    cluster = config.get("cluster")
    task = config.get("task")
    if not isinstance(cluster, dict) or not cluster:
        raise StrategyError("TF_CONFIG has no 'cluster' object (e.g. {\"worker\": [\"host:port\", ...]})")
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise StrategyError("TF_CONFIG has no 'task' object with 'type' and 'index'")
    for job, addresses in cluster.items():
        if job not in ("chief", "worker", "evaluator"):
            raise StrategyError(f"TF_CONFIG cluster job {job!r} is not used by MultiWorkerMirroredStrategy "
                                "(jobs: chief, worker)")
        if not isinstance(addresses, list) or not all(isinstance(a, str) and ":" in a for a in addresses):
            raise StrategyError(f"TF_CONFIG cluster[{job!r}] must be a list of 'host:port' strings")
    if task["type"] not in cluster:
        raise StrategyError(f"TF_CONFIG task type {task['type']!r} is not a job of the cluster {sorted(cluster)}")
    index = task["index"]
    if not isinstance(index, int) or not 0 <= index < len(cluster[task["type"]]):
        raise StrategyError(f"TF_CONFIG task index {index!r} is out of range for job {task['type']!r} "
                            f"({len(cluster[task['type']])} tasks)")
    return config


def validate_strategy_flags(strategy: str, *, tpu: str | None = None, mixed_precision: str | None = None) -> None:
    """Checks that the flags make sense for the strategy, before any device is touched."""
    if strategy not in STRATEGIES:
        raise StrategyError(f"strategy must be one of {', '.join(STRATEGIES)}; got {strategy!r}")
    if strategy == "tpu":
        if not (tpu or os.environ.get("TPU_NAME")):
            raise StrategyError(
                "--strategy=tpu needs --tpu: a Cloud TPU name, a grpc://host:8470 address, or 'local' on a TPU VM")
        if mixed_precision == "float16":
            raise StrategyError("TPUs compute in bfloat16: use --mixed_precision=bfloat16 with --strategy=tpu")
    elif tpu:
        raise StrategyError(f"--tpu={tpu} is only used with --strategy=tpu (got --strategy={strategy})")
    if strategy == "multi_worker":
        parse_tf_config()


def _check_grpc_reachable(address: str, timeout: float) -> None:
    """TF waits indefinitely for an unreachable TPU worker; fail fast with a clear message instead."""
    parsed = urllib.parse.urlparse(address)
    host, port = parsed.hostname, parsed.port
    if not host or not port:
        raise StrategyError(f"--tpu={address} is not a grpc://host:port address")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as err:
        raise StrategyError(f"cannot reach the TPU worker at {address} ({err}); is the TPU up and the address "
                            "right?") from None


def _tpu_strategy(tpu: str | None, connect_timeout: float) -> tf.distribute.Strategy:
    tpu = tpu or os.environ.get("TPU_NAME")
    if tpu and tpu.startswith("grpc://"):
        _check_grpc_reachable(tpu, connect_timeout)
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        if tpu != "local":
            tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError, OSError) as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise StrategyError(f"could not set up TPU {tpu!r}: {message}. On a TPU VM pass --tpu=local; for a "
                            "TPU node pass its name or grpc://host:8470.") from None
    return tf.distribute.TPUStrategy(resolver)


def make_strategy(name: str = "default", *, tpu: str | None = None, devices: Sequence[str] | None = None,
                  connect_timeout: float = 30.0) -> tf.distribute.Strategy:
    """The ``tf.distribute`` strategy called ``name`` (see the module table).

    ``multi_worker`` must be created before any other TensorFlow op runs in the process (TF's rule).
    """
    validate_strategy_flags(name, tpu=tpu)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "one_device":
        if devices:
            device = devices[0]
        else:
            device = "/gpu:0" if tf.config.list_physical_devices("GPU") else "/cpu:0"
        return tf.distribute.OneDeviceStrategy(device)
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices=list(devices) if devices else None)
    if name == "multi_worker":
        options = tf.distribute.experimental.CommunicationOptions(
            implementation=tf.distribute.experimental.CommunicationImplementation.AUTO)
        return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    return _tpu_strategy(tpu, connect_timeout)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """True on the worker that writes summaries, checkpoints (for real) and the final model."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or isinstance(strategy, tf.distribute.TPUStrategy):
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    if task_type is None:
        return True
    cluster = resolver.cluster_spec().as_dict()
    return task_type == "chief" or (task_type == "worker" and task_id == 0 and "chief" not in cluster)


def worker_id(strategy: tf.distribute.Strategy) -> str:
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or resolver.task_type is None or isinstance(strategy, tf.distribute.TPUStrategy):
        return "chief"
    return f"{resolver.task_type}_{resolver.task_id}"

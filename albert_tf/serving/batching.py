"""Server-side batching: concurrent Session runs merged into one, like TF Serving's BatchingSession.

With ``--enable_batching`` every run that fetches a whole signature goes through a shared scheduler: one
queue per (servable, feeds, fetches) and ``num_batch_threads`` workers. A batch closes when it holds
``max_batch_size`` rows or when its first task has waited ``batch_timeout_micros``; with a timeout of 0 a
batch forms only from tasks that arrive while every worker is busy, so an idle server adds no latency.
Inputs are concatenated along dimension 0 and outputs split back per task.

``pad_variable_length_inputs`` lets tasks whose inputs differ beyond dimension 0 share a batch. Where stock
TF Serving pads with each tensor's first element and returns padded outputs, this pads numeric inputs with
zeros and strings with b"" and slices every output dimension that matches a padded input dimension back to
the task's own length. For token-id inputs that is what makes the answer independent of the batch: the
zero padding is the pad token with attention mask 0, and each client gets its own sequence length back.
String (text-in) inputs are rank 1 and never need padding.

Example:
    >>> from albert_tf.serving.config import BatchingOptions
    >>> scheduler = BatchScheduler(BatchingOptions(max_batch_size=8, batch_timeout_micros=2000))
    >>> scheduler.run(servable, feeds, fetches)  # doctest: +SKIP
    >>> scheduler.stop()
"""

from __future__ import annotations

import collections
import threading
import time

import numpy as np

from albert_tf.serving import errors
from albert_tf.serving.config import BatchingOptions
from albert_tf.serving.servable import current_deadline


class _Task:
    __slots__ = ("arrays", "size", "enqueued", "deadline", "done", "outputs", "error")

    def __init__(self, arrays: list[np.ndarray], size: int):
        self.arrays = arrays
        self.size = size
        self.enqueued = time.monotonic()
        self.deadline = current_deadline()
        self.done = threading.Event()
        self.outputs = None
        self.error = None


class _Batch:
    __slots__ = ("tasks", "size", "closed")

    def __init__(self):
        self.tasks: list[_Task] = []
        self.size = 0
        self.closed = False


class _Queue:
    """Batches waiting for one (servable, feed names, fetch names) combination."""

    def __init__(self, servable, feed_names: tuple[str, ...], fetches: tuple[str, ...]):
        self.servable = servable
        self.feed_names = feed_names
        self.fetches = fetches
        self.batches: collections.deque[_Batch] = collections.deque()


class BatchScheduler:
    """A SharedBatchScheduler over every loaded servable."""

    def __init__(self, options: BatchingOptions, on_batch=None):
        self.options = options
        self._on_batch = on_batch  # called with the size of each processed batch (metrics)
        self._timeout = options.batch_timeout_micros / 1e6
        self._queues: dict[tuple, _Queue] = {}
        self._cv = threading.Condition()
        self._stopping = False
        self._workers = [
            threading.Thread(target=self._work, name=f"batch-{i}", daemon=True)
            for i in range(options.num_batch_threads)
        ]
        for worker in self._workers:
            worker.start()

    def run(self, servable, feeds: list[tuple[str, np.ndarray]], fetches: list[str]) -> list[np.ndarray]:
        """Run through a batch; blocks until the batch that holds this task has been processed."""
        if not feeds:
            raise errors.batching_no_inputs()
        arrays = [array for _, array in feeds]
        if any(np.ndim(a) == 0 for a in arrays):
            raise errors.batching_no_dimension()
        size = arrays[0].shape[0]
        if any(a.shape[0] != size for a in arrays):
            raise errors.batching_unequal_batch_sizes()
        if size > self.options.max_batch_size:
            raise errors.batching_task_too_large(size, self.options.max_batch_size)
        task = _Task(arrays, size)
        key = (id(servable), tuple(name for name, _ in feeds), tuple(fetches))
        with self._cv:
            if self._stopping:
                raise errors.server_shutting_down()
            queue = self._queues.get(key)
            if queue is None:
                queue = self._queues[key] = _Queue(servable, key[1], key[2])
            self._enqueue(queue, task)
            self._cv.notify()
        task.done.wait()
        if task.error is not None:
            raise task.error
        return task.outputs

    def _enqueue(self, queue: _Queue, task: _Task) -> None:
        open_batch = queue.batches[-1] if queue.batches and not queue.batches[-1].closed else None
        if open_batch is not None and open_batch.size + task.size > self.options.max_batch_size:
            open_batch.closed = True
            open_batch = None
        if open_batch is None:
            if len(queue.batches) >= self.options.max_enqueued_batches:
                raise errors.batching_queue_full()
            open_batch = _Batch()
            queue.batches.append(open_batch)
        open_batch.tasks.append(task)
        open_batch.size += task.size
        if open_batch.size >= self.options.max_batch_size:
            open_batch.closed = True

    def forget(self, servable) -> None:
        """Drop the (empty) queues of an unloaded servable."""
        with self._cv:
            for key in [k for k, q in self._queues.items() if q.servable is servable and not q.batches]:
                del self._queues[key]

    def stop(self) -> None:
        """Finish queued batches, then stop the workers."""
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        for worker in self._workers:
            worker.join(timeout=30)

    def _next_ready(self):
        """The queue and batch to process now, or (None, seconds to wait) while none is ready."""
        now = time.monotonic()
        best, best_age, wait = None, -1.0, None
        for queue in self._queues.values():
            if not queue.batches:
                continue
            batch = queue.batches[0]
            age = now - batch.tasks[0].enqueued
            if batch.closed or age >= self._timeout or self._stopping:
                if age > best_age:
                    best, best_age = queue, age
            else:
                remaining = self._timeout - age
                wait = remaining if wait is None else min(wait, remaining)
        if best is None:
            return None, wait
        return best, best.batches.popleft()

    def _work(self) -> None:
        while True:
            with self._cv:
                while True:
                    queue, batch_or_wait = self._next_ready()
                    if queue is not None:
                        break
                    if self._stopping:
                        return
                    self._cv.wait(timeout=batch_or_wait)
                batch = batch_or_wait
                batch.closed = True
            self._process(queue, batch)

    def _process(self, queue: _Queue, batch: _Batch) -> None:
        try:
            outputs = self._run_batch(queue, batch)
            for task, task_outputs in zip(batch.tasks, outputs):
                task.outputs = task_outputs
        except errors.ServingError as e:
            for task in batch.tasks:
                task.error = e
        except Exception as e:  # pylint: disable=broad-except  # every waiting client must get an answer
            failure = errors.internal_error(f"Batch processing failed: {e}")
            for task in batch.tasks:
                task.error = failure
        finally:
            for task in batch.tasks:
                task.done.set()

    def _run_batch(self, queue: _Queue, batch: _Batch) -> list[list[np.ndarray]]:
        tasks = batch.tasks
        num_inputs = len(queue.feed_names)
        padded_dims = None
        if self.options.pad_variable_length_inputs:
            padded_dims = [
                np.max([t.arrays[i].shape for t in tasks], axis=0) if tasks[0].arrays[i].ndim > 1 else None
                for i in range(num_inputs)
            ]
        else:
            for i, name in enumerate(queue.feed_names):
                reference = tasks[0].arrays[i].shape[1:]
                if any(t.arrays[i].shape[1:] != reference for t in tasks[1:]):
                    raise errors.batching_shapes_differ(name)
        total = batch.size
        padded_total = _round_to_allowed(total, self.options.allowed_batch_sizes)
        merged = []
        for i in range(num_inputs):
            parts = [t.arrays[i] for t in tasks]
            if padded_dims is not None and padded_dims[i] is not None:
                parts = [_pad_to(p, padded_dims[i]) for p in parts]
            if padded_total > total:  # fill allowed_batch_sizes with the last task's first row, as TF Serving
                parts.append(np.repeat(parts[-1][:1], padded_total - total, axis=0))
            merged.append(parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0))
        if self._on_batch is not None:
            self._on_batch(padded_total)
        # The batch may run until the latest of its tasks' deadlines (none if any task has none), as
        # BatchingSession does; tasks whose own deadline passed while queued are failed up front.
        now = time.monotonic()
        expired = [t for t in tasks if t.deadline is not None and t.deadline <= now]
        if len(expired) == len(tasks):
            raise errors.batching_queue_timeout()
        deadlines = [t.deadline for t in tasks]
        deadline = None if None in deadlines else max(deadlines)
        outputs = queue.servable.run(list(zip(queue.feed_names, merged)), list(queue.fetches), deadline=deadline)
        for output in outputs:
            if np.ndim(output) == 0:
                raise errors.batching_output_no_dimension()
            if output.shape[0] != padded_total:
                raise errors.batching_output_size_mismatch()
        results, start = [], 0
        for task in tasks:
            task_outputs = [output[start : start + task.size] for output in outputs]
            if padded_dims is not None:
                task_outputs = [_slice_back(o, task.arrays, padded_dims) for o in task_outputs]
            results.append(task_outputs)
            start += task.size
        return results


def _round_to_allowed(size: int, allowed: tuple[int, ...]) -> int:
    for allowed_size in allowed:
        if allowed_size >= size:
            return allowed_size
    return size


def _pad_to(array: np.ndarray, dims) -> np.ndarray:
    widths = [(0, 0)] + [(0, int(target) - have) for have, target in zip(array.shape[1:], dims[1:])]
    if not any(after for _, after in widths):
        return array
    if array.dtype == object:
        return np.pad(array, widths, mode="constant", constant_values=b"")
    return np.pad(array, widths, mode="constant")


def _slice_back(output: np.ndarray, task_arrays: list[np.ndarray], padded_dims) -> np.ndarray:
    """Cut an output's padded dimensions back to this task's own lengths.

    Dimension d >= 1 of an output is cut when its size equals the padded size of dimension d of the inputs
    and this task's inputs were shorter there (e.g. per-token logits [B, S, C] back to the task's S).
    """
    index = [slice(None)] * output.ndim
    changed = False
    for d in range(1, output.ndim):
        padded = [int(p[d]) for p in padded_dims if p is not None and len(p) > d]
        if not padded or output.shape[d] != max(padded):
            continue
        own = max(a.shape[d] for a in task_arrays if a.ndim > d)
        if own < output.shape[d]:
            index[d] = slice(0, own)
            changed = True
    return output[tuple(index)] if changed else output

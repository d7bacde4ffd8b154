"""Request metrics in Prometheus text format, under TF Serving's metric names, plus the per-request log line.

Exported at ``prometheus_config.path`` on the REST port when ``--monitoring_config_file`` enables it, as the
stock server does. ``:tensorflow:serving:request_count{model_name,status}`` and
``:tensorflow:serving:request_latency{model_name,API,entrypoint,status}`` (microseconds, TF Serving's
exponential buckets 10 * 1.8^k) carry the stock names so existing dashboards read them;
``:albert_tf:serving:batch_size`` is this server's own.

Example:
    >>> metrics = Metrics()
    >>> metrics.observe("Predict", "GRPC", "m", "OK", latency_micros=850.0)
    >>> ':tensorflow:serving:request_count{model_name="m",status="OK"} 1' in metrics.page()
    True
"""

from __future__ import annotations

import collections
import logging
import threading

logger = logging.getLogger("albert_tf.serving")

_LATENCY_BUCKETS = [10.0 * 1.8**k for k in range(33)]
_BATCH_BUCKETS = [float(2**k) for k in range(13)]


class _Histogram:
    def __init__(self, bounds):
        self.bounds = bounds
        self.counts = [0] * len(bounds)
        self.total = 0
        self.sum = 0.0

    def add(self, value: float) -> None:
        for i, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[i] += 1
                break
        self.total += 1
        self.sum += value

    def lines(self, name: str, labels: str) -> list[str]:
        out, running = [], 0
        prefix = labels + "," if labels else ""
        for bound, count in zip(self.bounds, self.counts):
            running += count
            out.append(f'{name}_bucket{{{prefix}le="{bound:g}"}} {running}')
        out.append(f'{name}_bucket{{{prefix}le="+Inf"}} {self.total}')
        braces = f"{{{labels}}}" if labels else ""
        out.append(f"{name}_sum{braces} {self.sum:g}")
        out.append(f"{name}_count{braces} {self.total}")
        return out


def _labels(**values) -> str:
    return ",".join(f'{k}="{_escape(str(v))}"' for k, v in values.items())


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    """Thread-safe counters and histograms for every request the server answers."""

    def __init__(self):
        self._lock = threading.Lock()
        self._request_count: collections.Counter = collections.Counter()
        self._latency: dict[tuple, _Histogram] = {}
        self._batch_sizes = _Histogram(_BATCH_BUCKETS)

    def observe(
        self, api: str, entrypoint: str, model_name: str, status: str, latency_micros: float, record: bool = True
    ) -> None:
        """Log one request (one line, debug level); count it unless ``record`` is False."""
        if record:
            with self._lock:
                self._request_count[(model_name, status)] += 1
                key = (model_name, api, entrypoint, status)
                histogram = self._latency.get(key)
                if histogram is None:
                    histogram = self._latency[key] = _Histogram(_LATENCY_BUCKETS)
                histogram.add(latency_micros)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s model=%s status=%s latency_ms=%.3f", entrypoint, api, model_name, status, latency_micros / 1e3
            )

    def observe_batch(self, size: int) -> None:
        with self._lock:
            self._batch_sizes.add(size)

    def page(self) -> str:
        """The Prometheus exposition text."""
        with self._lock:
            lines = ["# TYPE :tensorflow:serving:request_count counter"]
            for (model, status), count in sorted(self._request_count.items()):
                lines.append(f":tensorflow:serving:request_count{{{_labels(model_name=model, status=status)}}} {count}")
            lines.append("# TYPE :tensorflow:serving:request_latency histogram")
            for (model, api, entrypoint, status), histogram in sorted(self._latency.items()):
                labels = _labels(model_name=model, API=api, entrypoint=entrypoint, status=status)
                lines.extend(histogram.lines(":tensorflow:serving:request_latency", labels))
            if self._batch_sizes.total:
                lines.append("# TYPE :albert_tf:serving:batch_size histogram")
                lines.extend(self._batch_sizes.lines(":albert_tf:serving:batch_size", ""))
        return "\n".join(lines) + "\n"

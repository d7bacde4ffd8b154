"""The REST front end: TF Serving's /v1/models API on the standard library's threading HTTP server.

Routes (paths are case-insensitive, as TF Serving's regexes):

- ``POST /v1/models/NAME[/versions/V|/labels/L]:(predict|classify|regress)``
- ``GET  /v1/models/NAME[/versions/V|/labels/L]`` (status) and ``.../metadata``
- ``prometheus_config.path`` when monitoring is enabled

Every reply is JSON; failures are ``{"error": "<message>"}`` with TF Serving's HTTP status for the code.
Bodies over ``max_request_bytes`` get 429 (RESOURCE_EXHAUSTED) without being read.

Example:
    >>> rest = RestServer(core, metrics, gate, host="127.0.0.1", port=8501)  # doctest: +SKIP
    >>> rest.start()                                                          # doctest: +SKIP
    $ curl -d '{"instances": [1.0, 2.0]}' localhost:8501/v1/models/half_plus_two:predict
    {"predictions": [2.5, 3.0]}
"""

from __future__ import annotations

import http.server
import logging
import re
import threading
import time
import urllib.parse

from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_pb2,
    predict_pb2,
    regression_pb2,
)

from albert_tf.serving import errors, rest_json
from albert_tf.serving.servable import DEFAULT_SIGNATURE, request_deadline

logger = logging.getLogger("albert_tf.serving")

_API_PATH = re.compile(r"/v1/.*", re.IGNORECASE)
_PREDICTION_PATH = re.compile(
    r"/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?:(classify|regress|predict)", re.IGNORECASE
)
_STATUS_PATH = re.compile(
    r"/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:/(metadata))?", re.IGNORECASE
)
_INT64_MAX = 2**63 - 1
_API_NAMES = {"predict": "Predict", "classify": "Classify", "regress": "Regress"}


class RestApi:
    """Request routing and processing, independent of the HTTP server (HttpRestApiHandler)."""

    def __init__(self, core):
        self.core = core

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, str, str, str, str]:
        """(HTTP status, JSON body, API name, model name, status code name) for one request."""
        api, model_name = "Unknown", ""
        try:
            match = None
            if method == "POST":
                match = _PREDICTION_PATH.fullmatch(path)
            elif method == "GET":
                match = _STATUS_PATH.fullmatch(path)
            spec = model_pb2.ModelSpec()
            if match:
                model_name = urllib.parse.unquote(match.group(1) or "")
                spec.name = model_name
                if match.group(2):
                    version = int(match.group(2))
                    if version > _INT64_MAX:
                        raise errors.version_not_numeric(match.group(2))
                    spec.version.value = version
                elif match.group(3):
                    spec.version_label = urllib.parse.unquote(match.group(3))
            verb = match.group(4) if match else None
            # The verb is matched case-insensitively but compared exactly, as TF Serving does.
            if method == "POST" and match and verb in _API_NAMES:
                api = _API_NAMES[verb]
                return 200, getattr(self, f"_{verb}")(spec, body), api, model_name, "OK"
            if method == "GET" and match:
                if verb == "metadata":
                    api = "GetModelMetadata"
                    return 200, self._metadata(spec), api, model_name, "OK"
                api = "GetModelStatus"
                return 200, self._status(spec), api, model_name, "OK"
            raise errors.malformed_request(method, path)
        except errors.ServingError as e:
            return e.http_status, rest_json.error_json(e.message), api, model_name, e.code.name

    def _predict(self, spec, body: bytes) -> str:
        doc = rest_json.parse_body(body)
        spec.signature_name = rest_json.signature_name_of(doc)
        handle = self.core.manager.acquire(spec)
        try:
            signature_name = spec.signature_name or DEFAULT_SIGNATURE
            signature = handle.servable.signatures.get(signature_name)
            if signature is None:
                raise errors.rest_signature_not_found(signature_name)
            dtypes = {alias: info.dtype for alias, info in signature.inputs.items()}
            bools = b"true" in body or b"false" in body
            fmt, arrays = rest_json.decode_predict_inputs(doc, dtypes, bools_present=bools)
            request = predict_pb2.PredictRequest(model_spec=spec)
            _, outputs = self.core.predict(request, handle=handle, decoded_inputs=arrays)
            return rest_json.predict_json(outputs, fmt)
        finally:
            handle.release()

    def _classify(self, spec, body: bytes) -> str:
        doc = rest_json.parse_body(body)
        request = classification_pb2.ClassificationRequest(model_spec=spec)
        rest_json.fill_examples_request(doc, request)
        return rest_json.classification_json(self.core.classify(request).result)

    def _regress(self, spec, body: bytes) -> str:
        doc = rest_json.parse_body(body)
        request = regression_pb2.RegressionRequest(model_spec=spec)
        rest_json.fill_examples_request(doc, request)
        return rest_json.regression_json(self.core.regress(request).result)

    def _status(self, spec) -> str:
        if not spec.name:
            raise errors.missing_model_name()
        request = get_model_status_pb2.GetModelStatusRequest(model_spec=spec)
        return rest_json.status_json(self.core.model_status(request))

    def _metadata(self, spec) -> str:
        if not spec.name:
            raise errors.missing_model_name()
        request = get_model_metadata_pb2.GetModelMetadataRequest(model_spec=spec, metadata_field=["signature_def"])
        return rest_json.metadata_json(self.core.model_metadata(request))


class _TooLarge(Exception):
    def __init__(self, size: int):
        self.size = size


class _Incomplete(Exception):
    def __init__(self, received: int, declared: int):
        self.received, self.declared = received, declared


_CORS_HEADERS = (("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "POST, GET"),
                 ("Access-Control-Allow-Headers", "Content-Type"))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients reuse connections
    # Headers and body are separate writes; without TCP_NODELAY, Nagle + the client's delayed ACK add ~40 ms.
    disable_nagle_algorithm = True
    server_version = "albert-tf"
    timeout = 30  # idle keep-alive connections are closed after this many seconds

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_OPTIONS(self):
        """A CORS preflight, answered as stock's http_server.cc does (OK only with an http(s) Origin)."""
        self._discard_body()
        if re.search(r"https?://", self.headers.get("Origin", "")):
            self._reply(200, "")
        else:
            error = errors.cors_origin_missing()
            self._reply(error.http_status, rest_json.error_json(error.message))

    def log_message(self, format, *args):  # noqa: A002  # http.server's access log; requests log via metrics
        pass

    def _dispatch(self, method: str) -> None:
        server: _HttpServer = self.server
        started = time.perf_counter()
        path = self.path.split("?", 1)[0]
        monitoring = server.prometheus_path
        if monitoring and path == monitoring:
            self._discard_body()
            self._reply(200, server.metrics.page(), "text/plain; version=0.0.4")
            return
        if not _API_PATH.fullmatch(path):
            self.close_connection = True
            self._reply(404, "Not Found\n", "text/plain")
            return
        try:
            body = self._read_body(server.max_request_bytes)
        except _TooLarge as e:
            self.close_connection = True  # the rest of the body stays unread
            error = errors.request_too_large(e.size, server.max_request_bytes)
            self._reply(error.http_status, rest_json.error_json(error.message))
            server.metrics.observe("Unknown", "REST", "", error.code.name, (time.perf_counter() - started) * 1e6)
            return
        except (ValueError, _Incomplete) as e:
            self.close_connection = True
            error = (errors.body_incomplete(e.received, e.declared) if isinstance(e, _Incomplete)
                     else errors.length_required())
            self._reply(error.http_status, rest_json.error_json(error.message))
            return
        try:
            with server.gate, server.slots, request_deadline(server.timeout_seconds):
                status, payload, api, model_name, status_name = server.api.handle(method, path, body)
        except Exception as e:  # pylint: disable=broad-except  # the gate's refusal during shutdown, or a bug
            error = e if isinstance(e, errors.ServingError) else errors.internal_error(f"{type(e).__name__}: {e}")
            if not isinstance(e, errors.ServingError):
                logger.exception("REST %s %s failed", method, path)
            status, payload = error.http_status, rest_json.error_json(error.message)
            api, model_name, status_name = "Unknown", "", error.code.name
        self._reply(status, payload)
        server.metrics.observe(
            api, "REST", model_name, status_name, (time.perf_counter() - started) * 1e6,
            record=api in ("Predict", "Classify", "Regress"),
        )

    def _read_body(self, limit: int) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                total += size
                if total > limit:
                    raise _TooLarge(total)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0"))
        if length < 0:
            raise ValueError(length)
        if length > limit:
            raise _TooLarge(length)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the client closed its side early: never run a truncated request
            raise _Incomplete(len(body), length)
        return body

    def _discard_body(self) -> None:
        length = int(self.headers.get("Content-Length", "0") or 0)
        if 0 < length <= self.server.max_request_bytes:
            self.rfile.read(length)
        elif length:
            self.close_connection = True

    def _reply(self, status: int, payload: str, content_type: str = "application/json") -> None:
        # Bytes of the request that were not UTF-8 go back as they came (surrogateescape); nothing else may
        # make a reply fail, so any other unencodable character is escaped.
        try:
            data = payload.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            data = payload.encode("utf-8", "backslashreplace")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if self.server.enable_cors_support:  # --rest_api_enable_cors_support: AddCORSHeaders
            for name, value in _CORS_HEADERS:
                self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)


class _HttpServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 1024  # the listen backlog; socketserver's default of 5 resets bursts of connections


class RestServer:
    """The HTTP server thread; ``port`` is the bound port."""

    def __init__(self, core, metrics, gate, *, host: str, port: int, max_request_bytes: int, num_threads: int,
                 timeout_in_ms: int = 30000, prometheus_path: str | None = None, enable_cors_support: bool = False):
        import socket

        _HttpServer.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            self._server = _HttpServer((host, port), _Handler)
        except OSError as e:
            raise OSError(f"Failed to bind HTTP/REST server to {host}:{port}: {e.strerror or e}") from e
        self._server.api = RestApi(core)
        self._server.metrics = metrics
        self._server.gate = gate
        self._server.slots = threading.BoundedSemaphore(num_threads)
        self._server.max_request_bytes = max_request_bytes
        self._server.prometheus_path = prometheus_path
        self._server.enable_cors_support = enable_cors_support
        self._server.timeout_seconds = timeout_in_ms / 1000 if timeout_in_ms > 0 else None
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="rest", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting connections (requests being processed finish; the gate waits for them)."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

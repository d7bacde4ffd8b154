"""The PredictionService and ModelService semantics, shared by the gRPC and the REST front ends.

Each method follows the TF Serving implementation it is named after (predict_util.cc, classifier.cc,
regressor.cc, multi_inference.cc, get_model_metadata_impl.cc, get_model_status_impl.cc,
saved_model_warmup_util.cc): the same checks in the same order, the same errors (from ``errors``), and the
same response fields. Requests take the official tensorflow_serving.apis messages.

This module holds ``InferenceCore`` (loading with warmup, and every request method) and
``predict_response``; the Classify/Regress pre- and post-processing on one signature, their method names and
``serialized_examples`` live in ``classify_regress`` (re-exported here).

Example:
    >>> core = InferenceCore(manager)                                  # doctest: +SKIP
    >>> request = predict_pb2.PredictRequest()                          # doctest: +SKIP
    >>> request.model_spec.name = "half_plus_two"                       # doctest: +SKIP
    >>> request.inputs["x"].CopyFrom(tensors.to_tensor_proto(np.array([1.0], np.float32)))  # doctest: +SKIP
    >>> spec, outputs = core.predict(request)                           # doctest: +SKIP
    >>> outputs                                                         # doctest: +SKIP
    [('y', array([2.5], dtype=float32))]
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Mapping

import numpy as np
import tensorflow as tf
from google.protobuf import message as protobuf_message
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    inference_pb2,
    model_management_pb2,
    model_pb2,
    predict_pb2,
    prediction_log_pb2,
    regression_pb2,
)

from albert_tf.serving import errors, tensors
from albert_tf.serving.classify_regress import (  # noqa: F401  (re-exported)
    CLASSIFY_CLASSES, CLASSIFY_INPUTS, CLASSIFY_METHOD, CLASSIFY_SCORES, REGRESS_INPUTS, REGRESS_METHOD,
    REGRESS_OUTPUTS, _classification_tensors, _fill_classification, _fill_regression, _regression_tensors,
    _signature_text, serialized_examples,
)
from albert_tf.serving.servable import DEFAULT_SIGNATURE, SERVING_TAG, Servable

logger = logging.getLogger("albert_tf.serving")

PREDICT_METHOD = "tensorflow/serving/predict"
_EXAMPLE_METHODS = (CLASSIFY_METHOD, REGRESS_METHOD)
SIGNATURE_DEF_FIELD = "signature_def"
WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
MAX_WARMUP_RECORDS = 1000


class InferenceCore:
    """Runs requests against the versions a ModelManager holds; batching when a scheduler is given."""

    def __init__(self, manager=None, scheduler=None, *, enable_model_warmup: bool = True,
                 num_request_iterations_for_warmup: int = 0, enable_signature_method_name_check: bool = False,
                 saved_model_tags: tuple[str, ...] = (SERVING_TAG,), session_config=None):
        self.manager = manager
        self.scheduler = scheduler
        self.enable_model_warmup = enable_model_warmup
        # Stock replays each warmup record once unless --num_request_iterations_for_warmup is > 0.
        self.warmup_iterations = max(1, num_request_iterations_for_warmup)
        self.check_method_names = enable_signature_method_name_check
        self.saved_model_tags = tuple(saved_model_tags)
        self.session_config = session_config

    # --- loading ------------------------------------------------------------------------------------------

    def load_servable(self, model_name: str, version: int, path: str) -> Servable:
        """Load a version and replay its warmup requests; a warmup failure fails the load."""
        servable = Servable(model_name, version, path, self.session_config, self.saved_model_tags)
        try:
            if self.enable_model_warmup:
                self.warmup(servable)
        except BaseException:
            servable.close()
            raise
        return servable

    def warmup(self, servable: Servable) -> int:
        """Run ``assets.extra/tf_serving_warmup_requests`` (PredictionLog TFRecords); returns the count."""
        path = os.path.join(servable.path, WARMUP_FILE)
        if not os.path.exists(path):
            return 0
        count = 0
        for record in _tfrecords(path):
            log = prediction_log_pb2.PredictionLog()
            try:
                log.ParseFromString(record)
            except protobuf_message.DecodeError as e:
                raise errors.warmup_unparsable_record(path) from e
            kind = log.WhichOneof("log_type")
            name, version = servable.model_name, servable.version
            for _ in range(self.warmup_iterations):
                if kind == "predict_log":
                    self._predict_on(servable, name, version, log.predict_log.request)
                elif kind == "classify_log":
                    self._classify_on(servable, name, version, log.classify_log.request)
                elif kind == "regress_log":
                    self._regress_on(servable, name, version, log.regress_log.request)
                elif kind == "multi_inference_log":
                    self._multi_inference_on(servable, name, version, log.multi_inference_log.request)
                else:
                    raise errors.warmup_unsupported_log_type(str(kind))
            count += 1
            if count > MAX_WARMUP_RECORDS:
                raise errors.warmup_too_many_records(MAX_WARMUP_RECORDS, path)
        logger.info("Finished reading warmup data for model at %s. Number of warmup records read: %d.", path, count)
        return count

    # --- PredictionService --------------------------------------------------------------------------------

    def predict(self, request: predict_pb2.PredictRequest, handle=None, decoded_inputs=None):
        """Predict; returns (response ModelSpec, [(output alias, array)]).

        ``decoded_inputs`` (alias -> array) replaces ``request.inputs`` for the REST front end, which decodes
        JSON straight into arrays; ``handle`` is the version that front end already resolved.
        """
        if not request.HasField("model_spec"):
            raise errors.missing_model_spec()
        with self._held(request.model_spec, handle) as held:
            return self._predict_on(held.servable, held.model_name, held.version, request, decoded_inputs)

    def classify(self, request: classification_pb2.ClassificationRequest, handle=None):
        if not request.HasField("model_spec"):
            raise errors.missing_model_spec()
        with self._held(request.model_spec, handle) as held:
            return self._classify_on(held.servable, held.model_name, held.version, request)

    def regress(self, request: regression_pb2.RegressionRequest, handle=None):
        if not request.HasField("model_spec"):
            raise errors.missing_model_spec()
        with self._held(request.model_spec, handle) as held:
            return self._regress_on(held.servable, held.model_name, held.version, request)

    def multi_inference(self, request: inference_pb2.MultiInferenceRequest):
        first = request.tasks[0].model_spec if request.tasks else model_pb2.ModelSpec()
        with self._held(first, None) as held:
            return self._multi_inference_on(held.servable, held.model_name, held.version, request)

    def model_metadata(self, request: get_model_metadata_pb2.GetModelMetadataRequest, handle=None):
        if not request.HasField("model_spec"):
            raise errors.missing_model_spec()
        if not request.metadata_field:
            raise errors.metadata_field_required()
        for field in request.metadata_field:
            if field != SIGNATURE_DEF_FIELD:
                raise errors.metadata_field_not_supported(field)
        with self._held(request.model_spec, handle) as held:
            signature_map = get_model_metadata_pb2.SignatureDefMap()
            for name, signature in held.servable.signatures.items():
                signature_map.signature_def[name].CopyFrom(signature)
            response = get_model_metadata_pb2.GetModelMetadataResponse()
            response.model_spec.name = held.model_name
            response.model_spec.version.value = held.version
            response.metadata[SIGNATURE_DEF_FIELD].Pack(signature_map)
            return response

    # --- ModelService -------------------------------------------------------------------------------------

    def model_status(self, request: get_model_status_pb2.GetModelStatusRequest):
        if not request.HasField("model_spec"):
            raise errors.missing_model_spec()
        spec = request.model_spec
        version = spec.version.value if spec.HasField("version") else None
        response = get_model_status_pb2.GetModelStatusResponse()
        for number, state, error in self.manager.status(spec.name, version):
            entry = response.model_version_status.add(version=number, state=state)
            entry.status.SetInParent()  # TF Serving always sets it (error_code OK for healthy versions)
            if error is not None:
                entry.status.error_code = error.code_number
                entry.status.error_message = error.message
        return response

    def reload_config(self, request: model_management_pb2.ReloadConfigRequest):
        if request.config.WhichOneof("config") != "model_config_list":
            raise errors.reload_config_type_not_supported()
        self.manager.reload_config(request.config)
        return model_management_pb2.ReloadConfigResponse()

    # --- implementations on one servable ------------------------------------------------------------------

    @contextlib.contextmanager
    def _held(self, model_spec, handle):
        if handle is not None:
            yield handle
            return
        acquired = self.manager.acquire(model_spec)
        try:
            yield acquired
        finally:
            acquired.release()

    def _run(self, servable, feeds, fetches, whole_signature: bool):
        """Session::Run, through the batching scheduler when the run matches a signature (as BatchingSession)."""
        if self.scheduler is not None and whole_signature:
            return self.scheduler.run(servable, feeds, fetches)
        return servable.run(feeds, fetches)

    def _predict_on(self, servable, model_name, version, request, decoded_inputs: Mapping | None = None):
        signature_name = request.model_spec.signature_name or DEFAULT_SIGNATURE
        signature = servable.signatures.get(signature_name)
        if signature is None:
            raise errors.predict_signature_not_found(signature_name)
        if self.check_method_names and signature.method_name not in _EXAMPLE_METHODS + (PREDICT_METHOD,):
            raise errors.unexpected_prediction_signature_method(
                (PREDICT_METHOD,) + _EXAMPLE_METHODS, signature.method_name)
        spec = _model_spec(model_name, signature_name, version)
        given = decoded_inputs if decoded_inputs is not None else request.inputs
        if len(given) > len(signature.inputs) or (len(given) < len(signature.inputs) and not signature.defaults):
            raise errors.input_size_mismatch(given.keys(), signature.inputs.keys())
        feeds, used = [], set()
        for alias in sorted(signature.inputs):
            info = signature.inputs[alias]
            if alias in given:
                value = given[alias]
                used.add(alias)
            elif alias in signature.defaults:
                value = signature.defaults[alias]
            else:
                raise errors.input_alias_not_in_request(alias, info.name, given.keys(), signature.defaults.keys())
            if not isinstance(value, np.ndarray):
                try:
                    value = tensors.from_tensor_proto(value)
                except ValueError as e:
                    raise errors.tensor_parsing_error(alias) from e
            feeds.append((info, value))
        if given and len(used) != len(given):
            raise errors.request_input_not_in_signature(used, given.keys())
        aliases = []
        for alias in request.output_filter:
            if alias not in signature.outputs:
                raise errors.output_alias_not_found(alias, signature.outputs.keys())
            if alias in aliases:
                raise errors.duplicate_output_alias(alias)
            aliases.append(alias)
        whole = not aliases or set(aliases) == set(signature.outputs)
        aliases = aliases or sorted(signature.outputs)
        _check_dtypes([(info.dtype, array) for info, array in feeds])
        outputs = self._run(
            servable,
            [(info.name, tensors.as_feedable(array)) for info, array in feeds],
            [signature.outputs[a].name for a in aliases],
            whole,
        )
        return spec, list(zip(aliases, outputs))

    def _examples_run(self, servable, signature, input_name: str, request_input, output_names: list[str]):
        """PerformOneShotTensorComputation: serialized tf.Examples in, the named outputs out."""
        examples = serialized_examples(request_input)
        input_info = next(i for i in signature.inputs.values() if i.name == input_name)
        _check_dtypes([(input_info.dtype, examples)])
        all_outputs = sorted({i.name for i in signature.outputs.values()})
        outputs = self._run(
            servable, [(input_name, examples)], output_names, sorted(set(output_names)) == all_outputs
        )
        return len(examples), dict(zip(output_names, outputs))

    def _classify_on(self, servable, model_name, version, request):
        signature_name = request.model_spec.signature_name or DEFAULT_SIGNATURE
        signature = servable.signatures.get(signature_name)
        if signature is None:
            raise errors.classify_regress_signature_not_found(signature_name)
        input_name, output_names = _classification_tensors(signature, self.check_method_names)
        count, outputs = self._examples_run(servable, signature, input_name, request.input, output_names)
        response = classification_pb2.ClassificationResponse()
        response.model_spec.CopyFrom(_model_spec(model_name, signature_name, version))
        _fill_classification(signature, count, outputs, response.result)
        return response

    def _regress_on(self, servable, model_name, version, request):
        signature_name = request.model_spec.signature_name or DEFAULT_SIGNATURE
        signature = servable.signatures.get(signature_name)
        if signature is None:
            raise errors.classify_regress_signature_not_found(signature_name)
        input_name, output_names = _regression_tensors(signature, self.check_method_names)
        count, outputs = self._examples_run(servable, signature, input_name, request.input, output_names)
        response = regression_pb2.RegressionResponse()
        response.model_spec.CopyFrom(_model_spec(model_name, signature_name, version))
        _fill_regression(signature, count, outputs, response.result)
        return response

    def _multi_inference_on(self, servable, model_name, version, request):
        # As stock since abb8d3b5: TF2 exports give each signature its own input placeholder, so the same
        # serialized examples are fed to every distinct input tensor in one Session::Run.
        name, input_names, seen, output_names, plan = "", set(), set(), set(), []
        for task in request.tasks:
            if not task.model_spec.name:
                raise errors.multi_inference_empty_model_name()
            if name and task.model_spec.name != name:
                raise errors.multi_inference_mixed_models()
            name = task.model_spec.name
            signature_name = task.model_spec.signature_name or DEFAULT_SIGNATURE
            if signature_name in seen:
                raise errors.multi_inference_duplicate_signature(signature_name)
            seen.add(signature_name)
            signature = servable.signatures.get(signature_name)
            if signature is None:
                raise errors.multi_inference_signature_not_found(signature_name)
            if task.method_name == CLASSIFY_METHOD:
                task_input, task_outputs = _classification_tensors(signature, self.check_method_names)
            elif task.method_name == REGRESS_METHOD:
                task_input, task_outputs = _regression_tensors(signature, self.check_method_names)
            else:
                raise errors.multi_inference_unsupported_method(task.method_name)
            input_names.add(task_input)
            output_names.update(task_outputs)
            plan.append((task.method_name, signature_name, signature))
        examples = serialized_examples(request.input)
        _check_dtypes([(info.dtype, examples) for _, _, signature in plan for info in signature.inputs.values()
                       if info.name in input_names])
        fetches = sorted(output_names)
        feeds = [(input_name, examples) for input_name in sorted(input_names)]
        outputs = dict(zip(fetches, servable.run(feeds, fetches)))
        response = inference_pb2.MultiInferenceResponse()
        for method_name, signature_name, signature in plan:
            result = response.results.add()
            result.model_spec.CopyFrom(_model_spec(model_name, signature_name, version))
            if method_name == CLASSIFY_METHOD:
                _fill_classification(signature, len(examples), outputs, result.classification_result)
            else:
                _fill_regression(signature, len(examples), outputs, result.regression_result)
        return response


def predict_response(spec: model_pb2.ModelSpec, outputs, as_tensor_content: bool = False):
    """A PredictResponse with typed-field tensors, as TF Serving's Predict returns it.

    ``as_tensor_content`` (--enable_serialization_as_tensor_content) packs numeric outputs into
    ``tensor_content`` instead, like Tensor::AsProtoTensorContent; strings keep ``string_val``.

    >>> predict_response(model_pb2.ModelSpec(name="m"), [("y", np.array([1.5], np.float32))],
    ...                  as_tensor_content=True).outputs["y"].tensor_content
    b'\\x00\\x00\\xc0?'
    """
    response = predict_pb2.PredictResponse()
    response.model_spec.CopyFrom(spec)
    for alias, array in outputs:
        proto = response.outputs[alias]
        if as_tensor_content and np.asarray(array).dtype.kind not in "OSU":
            array = np.ascontiguousarray(array)
            proto.dtype = tensors.dtype_enum_of(array)
            for size in array.shape:
                proto.tensor_shape.dim.add(size=size)
            proto.tensor_content = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        else:
            proto.CopyFrom(tensors.to_tensor_proto(array))
    return response


def _model_spec(model_name: str, signature_name: str, version: int) -> model_pb2.ModelSpec:
    spec = model_pb2.ModelSpec(name=model_name, signature_name=signature_name)
    spec.version.value = version
    return spec


def _check_dtypes(feeds) -> None:
    """The feed dtype check FunctionCallFrame::SetArgs makes before a step runs."""
    for index, (expected, array) in enumerate(feeds):
        actual = tensors.dtype_enum_of(array)
        if actual != expected:
            raise errors.dtype_mismatch(index, tensors.dtype_name(expected), tensors.dtype_name(actual))


def _tfrecords(path: str):
    """The records of a TFRecord file; a corrupt file raises DATA_LOSS as TF Serving's warmup reader does."""
    try:
        for record in tf.data.TFRecordDataset(path):
            yield record.numpy()
    except tf.errors.DataLossError as e:
        raise errors.warmup_not_tfrecord(e.message) from e

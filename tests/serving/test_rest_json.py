"""The REST JSON codec against the cases of TF Serving's util/json_tensor_test.cc.

Inputs and expected tensors / JSON / error fragments are those of TF Serving's own tests (re-expressed in
Python), so they are the stock server's behaviour, not this implementation's.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import classification_pb2, regression_pb2

from albert_tf.serving import errors, rest_json

INT, FLOAT, DOUBLE, STRING = types_pb2.DT_INT32, types_pb2.DT_FLOAT, types_pb2.DT_DOUBLE, types_pb2.DT_STRING


def decode(body: str, dtypes: dict[str, int]):
    doc = rest_json.parse_body(body.encode())
    return rest_json.decode_predict_inputs(doc, dtypes, bools_present="true" in body or "false" in body)


def error_of(body: str, dtypes: dict[str, int]) -> errors.ServingError:
    with pytest.raises(errors.ServingError) as info:
        decode(body, dtypes)
    assert info.value.code.name == "INVALID_ARGUMENT"
    return info.value


def test_single_unnamed_tensor():
    fmt, arrays = decode('{"instances": [[1,2],[3,4],[5,6]]}', {"default": INT})
    assert fmt == rest_json.ROW
    assert arrays["default"].dtype == np.int32 and arrays["default"].tolist() == [[1, 2], [3, 4], [5, 6]]


def test_mixed_ints_and_decimals_fill_float_and_double():
    _, floats = decode('{"instances": [1, 2.0, 3, 4, 5.003, 0.007, 0.0]}', {"default": FLOAT})
    np.testing.assert_array_equal(floats["default"], np.array([1, 2, 3, 4, 5.003, 0.007, 0], np.float32))
    _, doubles = decode('{"instances": [1.0, 2, 3, 4, 0.662, 0, 0.0]}', {"default": DOUBLE})
    assert doubles["default"].dtype == np.float64 and doubles["default"].tolist() == [1, 2, 3, 4, 0.662, 0, 0]


def test_base64_scalars_and_lists():
    _, scalars = decode('{"instances": [{"b64": "aGVsbG8="}, {"b64": "d29ybGQ="}]}', {"default": STRING})
    assert scalars["default"].tolist() == [b"hello", b"world"]
    _, lists = decode('{"instances": [[{"b64": "aGVsbG8="}], [{"b64": "d29ybGQ="}]]}', {"default": STRING})
    assert lists["default"].shape == (2, 1)


def test_multiple_named_tensors_with_nan_and_infinity():
    body = """{"instances": [
        {"int_tensor": [[1,2],[3,4],[5,6]], "str_tensor": ["foo", "bar"], "float_tensor": [1.0, NaN],
         "dbl_tensor": [NaN]},
        {"int_tensor": [[7,8],[9,0],[1,2]], "str_tensor": ["baz", "bat"], "float_tensor": [2.0, Infinity],
         "dbl_tensor": [2.0]}]}"""
    _, arrays = decode(body, {"int_tensor": INT, "str_tensor": STRING, "float_tensor": FLOAT, "dbl_tensor": DOUBLE})
    assert arrays["int_tensor"].shape == (2, 3, 2)
    assert arrays["str_tensor"].tolist() == [[b"foo", b"bar"], [b"baz", b"bat"]]
    assert arrays["float_tensor"][0, 0] == 1.0 and math.isnan(arrays["float_tensor"][0, 1])
    assert arrays["float_tensor"][1, 1] == math.inf
    assert arrays["dbl_tensor"].shape == (2, 1)


def test_columnar_format():
    fmt, arrays = decode('{"inputs": {"int_tensor": [[[1,2],[3,4],[5,6]]]}}', {"int_tensor": INT})
    assert fmt == rest_json.COLUMNAR and arrays["int_tensor"].shape == (1, 3, 2)
    _, bare = decode('{"inputs": [[[1,2],[3,4],[5,6]]]}', {"int_tensor": INT})
    assert bare["int_tensor"].shape == (1, 3, 2)
    _, named = decode('{"inputs": {"int_tensor": [1], "str_tensor": ["foo", "bar"], "bin_tensor": {"b64": "aGVsbG8="}}}',
                      {"int_tensor": INT, "str_tensor": STRING, "bin_tensor": STRING})
    assert named["bin_tensor"].shape == () and named["bin_tensor"][()] == b"hello"


@pytest.mark.parametrize("body, fragment", [
    ("", "document is empty"),
    ('{"signature_name": 5, "instances": [[1,2],[3,4],[5,6,7]]}', "must be a string value"),
    ('{"instances": [[1,2],[3,4],[5,6,7]], "inputs": [[1,2],[3,4],[5,6,7]]}', "Not formatted correctly"),
    ('{"instances": [[1,2],[3,4],[5,6,7]]}', "Expecting tensor size"),
    ('{"instances": [[1,2],[3,4],[[5,6]]]}', "Expecting shape"),
    ('{"instances": [1, [1]]}', "Expecting shape"),
    ('{"instances": [[1,2],["a", "b"]]}', "not of expected type"),
])
def test_single_unnamed_tensor_errors(body, fragment):
    with pytest.raises(errors.ServingError) as info:
        doc = rest_json.parse_body(body.encode())
        rest_json.signature_name_of(doc)
        rest_json.decode_predict_inputs(doc, {"default": INT})
    assert fragment in info.value.message


@pytest.mark.parametrize("value, dtype", [(str(np.finfo(np.float64).max), FLOAT), ("16777217", FLOAT),
                                          ("9007199254740993", DOUBLE)])
def test_lossy_decimals(value, dtype):
    assert "loss of precision" in error_of(f'{{"instances": [{value}]}}', {"default": dtype}).message


@pytest.mark.parametrize("instances, fragment", [
    ('[{"int_tensor": [[1,2],[3,4],[5,6]], "str_tensor": ["foo", "bar"]},'
     ' {"int_tensor": [[[7,8],[9,0],[1,2]]], "str_tensor": ["baz", "bat"]}]', "Expecting shape"),
    ('[{"int_tensor": [[1,2],[3,4],[5,6],[7,8]], "str_tensor": ["foo", "bar"]},'
     ' {"int_tensor": [[7,8],[9,0],[1,2]], "str_tensor": ["baz", "bat"]}]', "Expecting tensor size"),
    ('[{"int_tensor": [[1,2],[3,4],[5,6]], "str_tensor": ["foo", "bar"]}, [1, 20, 30]]',
     "Expecting object but got list"),
])
def test_multiple_named_tensor_errors(instances, fragment):
    dtypes = {"int_tensor": INT, "str_tensor": STRING}
    assert fragment in error_of(f'{{"instances": {instances}}}', dtypes).message


def test_list_then_object_error():
    body = '{"instances": [["baz", "bar"], {"str_tensor": ["baz", "bat"]}]}'
    assert "Expecting value/list but got object" in error_of(body, {"str_tensor": STRING}).message


def test_output_json_row_and_columnar():
    tensor = np.array([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 0], [1, 2]]], np.int32)
    assert json.loads(rest_json.predict_json([("int_tensor", tensor)], rest_json.ROW)) == {
        "predictions": [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 0], [1, 2]]]}
    assert json.loads(rest_json.predict_json([("int_tensor", tensor)], rest_json.COLUMNAR)) == {
        "outputs": [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 0], [1, 2]]]}


def test_output_bytes_tensor_is_base64():
    strings = np.array([[b"hello", b"world"], [b"tf", b"serving"]], dtype=object)
    assert json.loads(rest_json.predict_json([("str_tensor_bytes", strings)], rest_json.ROW)) == {
        "predictions": [[{"b64": "aGVsbG8="}, {"b64": "d29ybGQ="}], [{"b64": "dGY="}, {"b64": "c2VydmluZw=="}]]}


def test_output_float_six_digit_precision_and_non_finite():
    values = np.array([[9000000, 999999, 0.5], [0.0003, 0.00003, 555557.5]], np.float32)
    text = rest_json.predict_json([("float_tensor", values)], rest_json.ROW)
    assert text.replace(" ", "") == '{"predictions":[[9e+06,999999.0,0.5],[0.0003,3e-05,555557.5]]}'
    special = np.array([[np.nan, np.inf], [3, -np.inf]], np.float32)
    text = rest_json.predict_json([("float_tensor", special)], rest_json.ROW)
    assert text.replace(" ", "") == '{"predictions":[[NaN,Infinity],[3.0,-Infinity]]}'


def test_output_several_named_tensors():
    outputs = [
        ("int_tensor", np.array([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 0], [1, 2]]], np.int32)),
        ("str_tensor", np.array([[b"foo", b"bar"], [b"baz", b"bat"]], dtype=object)),
        ("float_tensor", np.array([[1.0], [2.0]], np.float32)),
        ("double_scalar_tensor", np.array([8.0, 9.0], np.float64)),
    ]
    assert json.loads(rest_json.predict_json(outputs, rest_json.ROW)) == {"predictions": [
        {"double_scalar_tensor": 8.0, "float_tensor": [1.0], "int_tensor": [[1, 2], [3, 4], [5, 6]],
         "str_tensor": ["foo", "bar"]},
        {"double_scalar_tensor": 9.0, "float_tensor": [2.0], "int_tensor": [[7, 8], [9, 0], [1, 2]],
         "str_tensor": ["baz", "bat"]},
    ]}
    assert json.loads(rest_json.predict_json(outputs, rest_json.COLUMNAR)) == {"outputs": {
        "double_scalar_tensor": [8.0, 9.0], "float_tensor": [[1.0], [2.0]],
        "int_tensor": [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 0], [1, 2]]],
        "str_tensor": [["foo", "bar"], ["baz", "bat"]],
    }}


@pytest.mark.parametrize("outputs, fragment", [
    ([], "empty tensor map"),
    ([("tensor", np.array([1 + 2j, 3 + 4j], np.complex64))], "tensor type: complex64"),
    ([("tensor", np.array(1, np.int32))], "no shape information"),
    ([("int_tensor", np.zeros((2, 3), np.int32)), ("str_tensor", np.array([[b"a", b"b", b"c"]], object))],
     "inconsistent batch size"),
])
def test_output_errors(outputs, fragment):
    with pytest.raises(errors.ServingError) as info:
        rest_json.predict_json(outputs, rest_json.ROW)
    assert fragment in info.value.message


def test_zero_batch_outputs():
    assert json.loads(rest_json.predict_json([("t", np.zeros((0, 2), np.int32))], rest_json.ROW)) == {
        "predictions": []}


def test_classify_request_without_context():
    request = classification_pb2.ClassificationRequest()
    rest_json.fill_examples_request(rest_json.parse_body(json.dumps({"examples": [
        {"names": ["foo", "bar"], "ratings": [8.0, 9.0], "age": 20}, {"names": ["baz"], "ratings": 6.0}]}).encode()),
        request)
    first, second = request.input.example_list.examples
    assert list(first.features.feature["names"].bytes_list.value) == [b"foo", b"bar"]
    assert list(first.features.feature["ratings"].float_list.value) == [8.0, 9.0]
    assert list(first.features.feature["age"].int64_list.value) == [20]
    assert list(second.features.feature["ratings"].float_list.value) == [6.0]


def test_regress_request_with_context_signature_and_mixed_values():
    body = """{"signature_name": "custom_signture", "context": {"query": "pizza", "location": ["sfo"]},
               "examples": [{"names": ["foo", "bar"], "ratings": [8.0, 9.0, NaN, Infinity], "age": 20},
                            {"names": ["baz", {"b64": "aGVsbG8="}], "ratings": 6.0, "intboolmix": [1, true, false]},
                            {"names": "bar", "ratings": -Infinity}]}"""
    request = regression_pb2.RegressionRequest()
    rest_json.fill_examples_request(rest_json.parse_body(body.encode()), request)
    assert request.model_spec.signature_name == "custom_signture"
    with_context = request.input.example_list_with_context
    assert list(with_context.context.features.feature["location"].bytes_list.value) == [b"sfo"]
    assert list(with_context.examples[1].features.feature["names"].bytes_list.value) == [b"baz", b"hello"]
    assert list(with_context.examples[1].features.feature["intboolmix"].int64_list.value) == [1, 1, 0]
    assert list(with_context.examples[2].features.feature["ratings"].float_list.value) == [-math.inf]


@pytest.mark.parametrize("body, fragment", [
    ('{"signature_name": ["hello"], "examples": [{"names": ["foo", "bar"]}]}', "'signature_name' key must be a string"),
    ('{"context": [{"names": ["foo", "bar"]}]}', "Example must be JSON object"),
    ('{"examples": {"names": ["foo", "bar"]}}', "list/array"),
    ('{"examples": [[{"names": ["foo", "bar"]}]]}', "Example must be JSON object"),
    ('{"examples": [{"names": [10, null]}]}', "names has element with unexpected JSON type: Null"),
    ('{"examples": [{"names": [10, 10.0]}]}', "feature: names expecting type: int64"),
    ('{"examples": [{"names": [10, {"test": 10}]}]}', "names has element with unexpected JSON type: Object"),
    ('{"examples": [{"names": [[10], 20]}]}', "names has element with unexpected JSON type: Array"),
    ('{"examples": [{"names": [20, 18446744073709551603]}]}', "Only int64 is supported"),
    (f'{{"examples": [{{"names": {float(np.finfo(np.float64).max)!r}}}]}}', "loss of precision"),
])
def test_classify_regress_json_errors(body, fragment):
    with pytest.raises(errors.ServingError) as info:
        rest_json.fill_examples_request(rest_json.parse_body(body.encode()), classification_pb2.ClassificationRequest())
    assert fragment in info.value.message


def test_results_json():
    result = classification_pb2.ClassificationResult()
    for scores in ([0.2, 0.7, 0.1], [0.7, 0.1, 0.2]):
        row = result.classifications.add()
        for label, score in zip(["car", "bike", "bus"], scores):
            row.classes.add(label=label, score=score)
    assert json.loads(rest_json.classification_json(result)) == {"results": [
        [["car", 0.2], ["bike", 0.7], ["bus", 0.1]], [["car", 0.7], ["bike", 0.1], ["bus", 0.2]]]}
    regression = regression_pb2.RegressionResult()
    for value in (0.2, math.inf, 1.0, -math.inf, math.nan):
        regression.regressions.add(value=value)
    assert rest_json.regression_json(regression).replace(" ", "") == '{"results":[0.2,Infinity,1.0,-Infinity,NaN]}'
    with pytest.raises(errors.ServingError, match="empty ClassificationResults"):
        rest_json.classification_json(classification_pb2.ClassificationResult())


def test_error_json():
    assert json.loads(rest_json.error_json('Bad key: "key"')) == {"error": 'Bad key: "key"'}

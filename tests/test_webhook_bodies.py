"""The depth count that guards every JSON webhook, on the shapes a parser could disagree about."""

import json

import pytest

from emarketing.webhooks import JSONBodyError, json_body_read, json_depth_exceeds


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"{}", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[[{{{{"}', 1),
        (b'{"a": "\\"[[[[", "b": "\\\\", "c": [[]]}', 3),
        ('{"نام": "«[{»", "x": [[[]]]}'.encode(), 4),
        (b'"just a string with ]]]] in it"', 0),
    ],
)
def test_the_depth_counts_arrays_and_objects_but_not_brackets_in_strings(body, depth):
    assert json_depth_exceeds(body, depth) is False
    if depth:
        assert json_depth_exceeds(body, depth - 1) is True
    assert json_body_read(body, max_depth=depth) == json.loads(body)


def test_a_body_too_deep_is_refused_without_recursing():
    with pytest.raises(JSONBodyError) as refused:
        json_body_read(b"[" * 200_000 + b"]" * 200_000, max_depth=20)
    assert refused.value.error == "JSON too deep"


@pytest.mark.parametrize("body", [b"\xff\xfe", b"{not json", b"[" * 5, b'"unterminated [[['])
def test_what_is_not_json_is_refused_as_such(body):
    with pytest.raises(JSONBodyError) as refused:
        json_body_read(body, max_depth=20)
    assert refused.value.error == "malformed JSON"

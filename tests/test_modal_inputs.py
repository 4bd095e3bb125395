"""The modal value readers: what each returns for a real submission and for hostile shapes."""

from typing import Any

import pytest

from handlers.views import inputs


def state(element: Any) -> dict[str, Any]:
    """view.state.values with element as the only input."""
    return {"b": {"a": element}}


def test_each_reader_returns_what_slack_sent() -> None:
    assert inputs.text(state({"value": " hi "}), "b", "a") == " hi "
    assert inputs.selected_option(state({"selected_option": {"value": "hot"}}), "b", "a") == "hot"
    assert inputs.selected_date(state({"selected_date": "2026-03-01"}), "b", "a") == "2026-03-01"
    assert inputs.selected_time(state({"selected_time": "09:30"}), "b", "a") == "09:30"
    assert inputs.selected_conversation(state({"selected_conversation": "C1"}), "b", "a") == "C1"
    ticked = state({"selected_options": [{"value": "mon"}, {"value": "fri"}]})
    assert inputs.selected_options(ticked, "b", "a") == ["mon", "fri"]
    users = state({"selected_users": ["U1", "U2", "U1"]})
    assert inputs.selected_users(users, "b", "a") == ["U1", "U2"]
    channels = state({"selected_conversations": ["C1"]})
    assert inputs.selected_conversations(channels, "b", "a") == ["C1"]


@pytest.mark.parametrize(
    "values",
    [None, [], "x", {"b": "x"}, {"b": {"a": "x"}}, {"b": {"other": {}}}, {"other": {}}],
)
def test_hostile_shapes_read_as_nothing(values: Any) -> None:
    assert inputs.submitted(values, "b", "a", "value") is None
    assert inputs.text(values, "b", "a") is None
    assert inputs.selected_option(values, "b", "a") is None
    assert inputs.selected_options(values, "b", "a") is None
    assert inputs.selected_users(values, "b", "a") == []


def test_values_of_the_wrong_type_are_not_taken() -> None:
    assert inputs.text(state({"value": 5}), "b", "a") is None
    assert inputs.submitted(state({"value": 5}), "b", "a", "value") == 5
    assert inputs.selected_option(state({"selected_option": "hot"}), "b", "a") is None
    assert inputs.selected_option(state({"selected_option": {"value": 1}}), "b", "a") is None
    assert inputs.selected_options(state({"selected_options": ["mon"]}), "b", "a") is None
    assert inputs.selected_users(state({"selected_users": "U1"}), "b", "a") is None
    assert inputs.selected_conversations(state({"selected_conversations": [1]}), "b", "a") is None

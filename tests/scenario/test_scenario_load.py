"""Loading scenarios: each kind of bad input gives its ``file:line:col: path: message``."""

from __future__ import annotations

import builtins
import os
from pathlib import Path
from typing import Any

import pytest
from scenario_examples import MINIMAL, MODEL_EXAMPLE

from tipoff.errors import PrivacyError, Problem, ScenarioError
from tipoff.scenario import Scenario, load_scenario, parse_scenario
from tipoff.scenario import _load as load_module
from tipoff.scenario._load import position
from tipoff.scenario._network import expand


def problems(text: str) -> list[str]:
    """The problems of a text that must not validate, as printed."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    return [str(p) for p in info.value.problems]


def only(text: str) -> str:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def test_minimal_scenario_loads() -> None:
    scenario = parse_scenario(MINIMAL)
    assert isinstance(scenario, Scenario)
    assert [p.id for p in scenario.parties] == ["s1", "r1", "c1", "f1"]
    assert scenario.protocol[0].from_ == "sender"


def test_model_example_loads_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(MODEL_EXAMPLE, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.operation.relay.delay_days == 2
    assert len(expand(scenario).parties) == 3 + 40 + 40
    again = Scenario.model_validate_json(scenario.model_dump_json(by_alias=True))
    assert again == scenario


def test_malformed_yaml() -> None:
    text = "name: x\nparties: [a, b\nhorizon_days: 3\n"
    assert only(text) == (
        "s.yaml:3:13: YAML syntax: expected ',' or ']', but got ':' (while parsing a flow sequence)"
    )


def test_duplicate_key_points_at_the_second() -> None:
    text = MINIMAL.replace("horizon_days: 30\n", "horizon_days: 30\nhorizon_days: 40\n")
    assert only(text) == "s.yaml:3:1: horizon_days: duplicate key (the first one is used)"


def test_duplicate_key_message_does_not_echo_values() -> None:
    text = MINIMAL.replace("    role: relay\n", "    role: relay\n    role: zzsecret\n")
    (line,) = problems(text)
    assert "zzsecret" not in line
    assert line == "s.yaml:8:5: parties[1].role: duplicate key (the first one is used)"


def test_unknown_key_typo() -> None:
    text = MINIMAL.replace("    success: 0.5", "    succes: 0.5")
    assert problems(text) == [
        "s.yaml:27:3: operation.relay.success: Field required",
        "s.yaml:28:5: operation.relay.succes: Extra inputs are not permitted "
        "(unknown key; did you mean 'success'?)",
    ]


def test_wrong_type_does_not_echo_the_value() -> None:
    text = MINIMAL.replace("horizon_days: 30", "horizon_days: thirty")
    assert only(text) == (
        "s.yaml:2:15: horizon_days: Input should be a valid integer, "
        "unable to parse string as an integer"
    )


def test_probability_above_one() -> None:
    text = MINIMAL.replace("initial: 0.1", "initial: 1.3")
    assert only(text) == (
        "s.yaml:26:14: operation.recruitment.initial: Input should be less than or equal to 1"
    )


def test_negative_days() -> None:
    text = MINIMAL.replace("lead_days: 5", "lead_days: -5")
    assert only(text) == (
        "s.yaml:23:16: protocol[0].lead_days: Input should be greater than or equal to 0"
    )


def test_bad_enum_value() -> None:
    text = MINIMAL.replace("    role: courier", "    role: broker")
    assert only(text) == (
        "s.yaml:9:11: parties[2].role: Input should be 'sender', 'relay', 'courier' or 'recipient'"
    )


def test_unknown_party_in_links() -> None:
    text = MINIMAL.replace("r1: [c1]", "r1: [c9]")
    assert problems(text) == [
        "s.yaml:6:5: parties[1]: relay 'r1' has no courier (directly or down its relay chain)",
        "s.yaml:16:10: links.relay_couriers.r1[0]: unknown party 'c9'; did you mean 'c1'?",
    ]


def test_relay_with_no_courier() -> None:
    text = MINIMAL.replace("  relay_couriers:\n    r1: [c1]\n", "")
    assert only(text) == (
        "s.yaml:6:5: parties[1]: relay 'r1' has no courier (directly or down its relay chain)"
    )


def test_sender_with_no_relay() -> None:
    text = MINIMAL.replace("  sender_relays:\n    s1: [r1]\n", "")
    assert only(text) == "s.yaml:4:5: parties[0]: sender 's1' has no relay"


def test_protocol_step_naming_an_unknown_role() -> None:
    text = MINIMAL.replace("    to: relay", "    to: broker")
    assert only(text) == (
        "s.yaml:21:9: protocol[0].to: 'broker' is neither a role (sender, relay, courier, "
        "recipient, first_relay, last_relay) nor a party id"
    )


def test_empty_network() -> None:
    text = (
        MINIMAL.replace("  - id: s1\n    role: sender\n", "")
        .replace("  - id: f1\n    role: recipient\n", "")
        .replace("  sender_relays:\n    s1: [r1]\n", "")
        .replace("  sender_recipients:\n    s1: [f1]\n", "")
    )
    assert only(text) == "s.yaml:3:1: parties: the network has no senders"


def test_generated_parties_point_at_their_generator() -> None:
    text = MODEL_EXAMPLE.replace("relays: [r1, r2]", "relays: [r1, r3]")
    assert problems(text) == [
        "s.yaml:9:51: generate.senders.relays[1]: unknown party 'r3'; did you mean 'r2'?"
    ]


def test_many_alike_problems_are_collapsed() -> None:
    text = MODEL_EXAMPLE.replace(
        "generate:                      # many parties without listing them one by one\n",
        "generate:\n  relays: {count: 50}\n",
    ).replace("  - {id: c1, role: courier, side: north, home: Hoeryong}\n", "")
    found = problems(text)
    at_generator = [p for p in found if p.startswith("s.yaml:8:3: generate.relays: ")]
    assert len(at_generator) == load_module.MAX_PROBLEMS_PER_PLACE + 1
    assert at_generator[-1].endswith("... and 45 more like these")


def test_many_problems_at_once_sorted_by_position() -> None:
    text = (
        MINIMAL.replace("horizon_days: 30", "horizon_days: 0")
        .replace("    role: relay", "    role: relay\n    colour: red")
        .replace("lead_days: 5", "lead_days: -1")
        .replace("initial: 0.1", "initial: 2")
    )
    found = problems(text)
    assert [p.split(": ")[1] for p in found] == [
        "horizon_days",
        "parties[1].colour",
        "protocol[0].lead_days",
        "operation.recruitment.initial",
    ]
    lines = [int(p.split(":")[1]) for p in found]
    assert lines == sorted(lines)


def test_missing_sections_point_at_the_top() -> None:
    assert problems("name: x\n") == [
        "s.yaml:1:1: horizon_days: Field required",
        "s.yaml:1:1: protocol: Field required",
        "s.yaml:1:1: operation: Field required",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "s.yaml:1:1: the scenario is empty"),
        (
            "- a\n- b\n",
            "s.yaml:1:1: the top level must be a mapping (name: ..., parties: ...), not a list",
        ),
        (
            "just text\n",
            "s.yaml:1:1: the top level must be a mapping (name: ..., parties: ...), "
            "not a single value",
        ),
    ],
)
def test_top_level_not_a_mapping(text: str, message: str) -> None:
    assert only(text) == message


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 10):
        prev = f"*a{k - 1}"
        lines.append(f"a{k}: &a{k} [{', '.join([prev] * 9)}]")
    found = only("\n".join(lines) + "\n")  # 9**10 leaves once expanded
    assert "aliases" in found


def test_too_many_aliases() -> None:
    n = load_module.MAX_ALIASES
    text = "a: &a x\nb: [" + ", ".join(["*a"] * (n + 1)) + "]\n"
    assert only(text) == f"s.yaml:2:{5 + 4 * n}: b[{n}]: more than {n} YAML aliases (*name)"
    parse_ok = "a: &a x\nb: [" + ", ".join(["*a"] * n) + "]\n"
    assert all("aliases" not in p for p in problems(parse_ok))


def test_alias_expansion_is_capped_below_the_alias_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_module, "MAX_VALUES", 1000)
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    text += "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    assert "more than 1000 values once aliases expand" in only(text)


def test_alias_loop() -> None:
    assert only("x: &a [*a]\n") == "s.yaml:1:8: x[0]: a YAML alias inside its own anchor (a loop)"


def test_deep_nesting_is_refused() -> None:
    text = "x: " + "[" * 200 + "]" * 200 + "\n"
    assert "nested more than" in only(text)


def test_tagged_scalars_do_not_crash() -> None:
    found = problems("name: !foo x\nhorizon_days: !!int 3\n!bar k: 1\n")
    assert "s.yaml:1:7: name: YAML tags (!name) are not used in scenario files" in found
    assert any(p.startswith("s.yaml:3:1: ") and "YAML tags" in p for p in found)
    assert not any("horizon_days: YAML" in p for p in found)


def test_impossible_date_is_text_not_a_crash() -> None:
    text = MINIMAL.replace("name: minimal", "name: minimal\ndescription: 2020-02-30")
    assert parse_scenario(text).description == "2020-02-30"
    assert "horizon_days" in only(
        "name: x\nhorizon_days: 2020-02-30\n" + MINIMAL.split("horizon_days: 30\n", 1)[1]
    )


# ---------------------------------------------------------------------------- privacy --


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            "    role: courier",
            "    role: courier\n    home: '+82 10-1234-5678'",
            "9:11: parties[2].home",
        ),
        (
            "    role: courier",
            "    role: courier\n    home: 12 Baker Street",
            "9:11: parties[2].home",
        ),
        ("name: minimal", "name: minimal\ndescription: ask kim@example.com", "1:14: description"),
    ],
)
def test_personal_data_is_refused(old: str, new: str, where: str) -> None:
    with pytest.raises(PrivacyError) as info:
        parse_scenario(MINIMAL.replace(old, new, 1), source="s.yaml")
    printed = [str(p) for p in info.value.problems]
    flagged = [p for p in printed if "tipoff holds pseudonyms only" in p]
    assert len(flagged) == 1
    line = int(where.split(":")[0])
    assert flagged[0].startswith(f"s.yaml:{line + 1}:")
    assert "1234" not in "".join(printed)
    assert "Baker" not in "".join(printed)
    assert "kim@" not in "".join(printed)


def test_privacy_error_carries_other_problems_too() -> None:
    text = MINIMAL.replace("initial: 0.1", "initial: 7").replace(
        "    role: courier", "    role: courier\n    home: '010 1234 5678'"
    )
    with pytest.raises(PrivacyError) as info:
        parse_scenario(text, source="s.yaml")
    printed = [str(p) for p in info.value.problems]
    assert printed[0] == (
        "s.yaml:10:11: parties[2].home: looks like a phone number; tipoff holds pseudonyms only: "
        "use a made-up id and a town name, never real names, addresses or phone numbers"
    )
    assert any("operation.recruitment.initial" in p for p in printed)


def test_personal_data_in_a_key_is_redacted_from_the_path() -> None:
    text = MINIMAL.replace("    r1: [c1]", "    r1: [c1]\n    010-1234-5678: [c1]")
    with pytest.raises(PrivacyError) as info:
        parse_scenario(text, source="s.yaml")
    printed = "\n".join(str(p) for p in info.value.problems)
    assert "1234" not in printed
    assert "links.relay_couriers.<redacted>" in printed


# ------------------------------------------------------------------------------- files --


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [str(p) for p in info.value.problems] == [f"{path}: no such file"]


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path)
    assert info.value.problems == (
        Problem(source=str(tmp_path), message="is a directory, not a scenario file"),
    )


def test_file_over_the_size_cap_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with open(path, "wb") as f:
        f.truncate(load_module.MAX_FILE_BYTES + 1)  # sparse: nothing written to disk
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert problem.line == 0
    assert "larger than the limit" in problem.message


def test_size_cap_is_patchable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_module, "MAX_FILE_BYTES", 100)
    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(ScenarioError, match="larger than the limit of 100 bytes"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="larger than the limit of 100 bytes"):
        parse_scenario(MINIMAL)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    real_open = builtins.open

    def deny(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(file) == os.fspath(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", deny)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}: cannot read the file: permission denied"
    ]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:1:10: is not UTF-8 text (first bad byte at offset 9)"
    ]


def test_file_problems_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL.replace("initial: 0.1", "initial: 1.3"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path))
    assert str(info.value).startswith(f"{path}:26:14: operation.recruitment.initial: ")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_scenario(path).name == "minimal"


# --------------------------------------------------------------------------- positions --


def test_position_walks_flow_and_block_styles() -> None:
    from ruamel.yaml import YAML

    doc = YAML(typ="rt").load(MODEL_EXAMPLE)
    assert position(doc, ("parties", 2, "home")) == (7, 42)
    assert position(doc, ("protocol", 1, "from")) == (18, 6)
    assert position(doc, ("operation", "relay", "success")) == (23, 11)
    assert position(doc, ("operation", "relay", "missing")) == (23, 3)
    assert position(doc, ("links", "relay_couriers", "r2", 0)) == (12, 35)
    assert position(doc, ()) == (2, 1)


# ------------------------------------------------------- value problems point at the value --
# A problem with a value is placed where the value starts; one with a key (unknown, missing,
# duplicate) or with a whole list or mapping, at the key. Lines and columns below are counted
# by hand in the texts shown.


def test_bad_scalar_in_block_mapping_points_at_the_value() -> None:
    text = MINIMAL.replace("horizon_days: 30", "horizon_days: sixty")
    assert only(text).startswith("s.yaml:2:15: horizon_days: Input should be a valid integer")


def test_an_empty_value_points_at_its_key_not_the_next_line() -> None:
    # YAML places an empty plain value at the next token (here the next line): shown at the key
    text = MINIMAL.replace("horizon_days: 30", "horizon_days:")
    assert only(text).startswith("s.yaml:2:1: horizon_days: Input should be a valid integer")


def test_an_empty_value_is_placed_at_its_key_by_position_too() -> None:
    from ruamel.yaml import YAML

    from tipoff.scenario._load import position

    doc = YAML(typ="rt").load("a: 1\nb:\n\n# later\nc: 2\n")
    assert position(doc, ["b"], value=True) == (2, 1)
    assert position(doc, ["c"], value=True) == (5, 4)


def test_bad_value_in_flow_mapping_list_item_points_at_the_value() -> None:
    text = MODEL_EXAMPLE.replace("{id: r2, role: relay,", "{id: r2, role: relya,")
    # line 6: '  - {id: r2, role: relya, side: china, community: yanji}'; 'relya' at col 20
    assert only(text).startswith("s.yaml:6:20: parties[1].role: Input should be")


def test_bad_value_in_nested_flow_mapping_points_at_the_value() -> None:
    text = MODEL_EXAMPLE.replace("relay: {success: 0.8,", "relay: {success: 1.8,")
    # line 23: '  relay: {success: 1.8, delay_days: 2}'; '1.8' at col 20
    assert only(text).startswith("s.yaml:23:20: operation.relay.success: Input should be less")


def test_bad_list_item_points_at_the_item() -> None:
    text = MINIMAL.replace("items: [recipient_address]", "items: [recipient_adress]")
    # line 22: '    items: [recipient_adress]'; the item at col 13
    assert only(text).startswith("s.yaml:22:13: protocol[0].items[0]: Input should be")


def test_unknown_key_points_at_the_key() -> None:
    text = MINIMAL.replace("    success: 0.5", "    sucess: 0.5")
    # line 28: '    sucess: 0.5'; the key at col 5, not the value at col 13
    found = problems(text)
    assert any(p.startswith("s.yaml:28:5: operation.relay.sucess: ") for p in found), found
    assert any("did you mean 'success'" in p for p in found), found


def test_unknown_key_in_flow_mapping_points_at_the_key() -> None:
    text = MODEL_EXAMPLE.replace("relay: {success: 0.8,", "relay: {sucess: 0.8,")
    found = problems(text)
    # line 23: '  relay: {sucess: 0.8, delay_days: 2}'; the key at col 11
    assert any(p.startswith("s.yaml:23:11: operation.relay.sucess: ") for p in found), found


def test_missing_key_points_at_the_mapping_it_is_missing_from() -> None:
    text = MODEL_EXAMPLE.replace("amount: {median: 1500, spread: 0.5}", "amount: {spread: 0.5}")
    # line 15: '  amount: {spread: 0.5}'; the key 'amount' at col 3
    assert only(text).startswith("s.yaml:15:3: workload.amount.median: Field required")


def test_duplicate_key_points_at_the_second_key() -> None:
    text = MINIMAL.replace("horizon_days: 30\n", "horizon_days: 30\nhorizon_days: 40\n")
    assert only(text).startswith("s.yaml:3:1: horizon_days: duplicate key")


def test_list_where_a_value_belongs_points_at_the_key() -> None:
    text = MINIMAL.replace("horizon_days: 30\n", "horizon_days:\n  - 30\n")
    assert only(text).startswith("s.yaml:2:1: horizon_days: Input should be a valid integer")


def test_bad_value_through_an_alias_points_at_the_alias() -> None:
    text = MINIMAL.replace("name: minimal", "name: &n minimal").replace(
        "horizon_days: 30", "horizon_days: *n"
    )
    assert only(text).startswith("s.yaml:2:15: horizon_days: Input should be a valid integer")


def test_reference_problem_in_a_value_points_at_the_value() -> None:
    text = MODEL_EXAMPLE.replace("- {from: relay, to: courier,", "- {from: relay, to: couirer,")
    # line 18: '  - {from: relay, to: couirer, items: ...'; 'couirer' at col 23
    assert only(text).startswith("s.yaml:18:23: protocol[1].to: 'couirer' is neither a role")


def test_unknown_party_as_a_link_key_points_at_the_key() -> None:
    text = MODEL_EXAMPLE.replace(
        "relay_couriers: {r1: [c1], r2: [c1]}", "relay_couriers: {r1: [c1], r9: [c1]}"
    )
    found = problems(text)
    # line 12: '  relay_couriers: {r1: [c1], r9: [c1]}'; the key 'r9' at col 30
    assert any(
        p.startswith("s.yaml:12:30: links.relay_couriers.r9: unknown party") for p in found
    ), found


def test_round_trip_position_of_a_value() -> None:
    from ruamel.yaml import YAML

    doc = YAML(typ="rt").load(MODEL_EXAMPLE)
    # line 7: '  - {id: c1, role: courier, side: north, home: Hoeryong}'
    assert position(doc, ("parties", 2, "home"), value=True) == (7, 48)
    assert position(doc, ("horizon_days",), value=True) == (3, 15)
    # a list or mapping value stays at its key; a missing key at its mapping
    assert position(doc, ("generate", "senders"), value=True) == (9, 3)
    assert position(doc, ("operation", "relay", "missing"), value=True) == (23, 3)

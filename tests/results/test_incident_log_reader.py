"""The incident log reader: reads back what the simulator writes, refuses everything else at file:row:col."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tipoff.engines import simulate_season
from tipoff.model import compile_scenario
from tipoff.results import (
    LOG_COLUMNS,
    IncidentLog,
    LogError,
    courier_slot,
    incident_log_text,
    parse_incident_log,
    read_incident_log,
)
from tipoff.results import _incident_log as reader
from tipoff.scenario import load_preset

HEADER = ",".join(LOG_COLUMNS) + "\n"
GOOD = "d1,3,s001,r1,c1,s001.f1,home,intercepted\n"


@pytest.fixture(scope="module")
def classroom():  # type: ignore[no-untyped-def]
    return compile_scenario(load_preset("classroom"))


def problems(text: str, model=None, fmt: str = "csv") -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(LogError) as info:
        parse_incident_log(text, model=model, source="log.csv", fmt=fmt)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("preset", ["classroom", "north-hamgyong-spring"])
def test_reads_back_what_the_simulator_writes(preset: str, fmt: str) -> None:
    model = compile_scenario(load_preset(preset))
    for seed in (1, 2, 3):
        record = simulate_season(model, n_runs=1, seed=seed, record_run=0).record
        assert record is not None
        log = parse_incident_log(incident_log_text(record, fmt=fmt), model=model, fmt=fmt)
        rows = [d.to_row() for d in log.deliveries]
        family = [r.pop("family_arrested", None) for r in rows]
        assert rows == record.deliveries
        truth = {t["delivery"]: t.get("family_arrested") for t in record.truth}
        for r, f in zip(rows, family, strict=True):  # written for interceptions only
            assert f == (truth[r["delivery"]] if r["outcome"] == "intercepted" else None)
        assert sum(log.counts().values()) == len(record.deliveries)


def test_replacement_couriers_are_accepted(classroom) -> None:  # type: ignore[no-untyped-def]
    text = HEADER + GOOD + "d2,9,s001,r1,c1.new2,s001.f1,home,delivered\n"
    log = parse_incident_log(text, model=classroom)
    assert log.deliveries[1].courier == "c1.new2"
    assert courier_slot("c1.new2") == ("c1", 2)
    bad = problems(HEADER + "d2,9,s001,r1,r2.new1,s001.f1,home,delivered\n", classroom)
    assert bad == [
        "log.csv:2:5: courier: 'r2' is a relay in the scenario, not a courier "
        "(nor a replacement <courier>.newN)"
    ]


def test_files_by_suffix_and_sniffing(tmp_path: Path, classroom) -> None:  # type: ignore[no-untyped-def]
    row = {
        "delivery": "d1",
        "day": 3,
        "sender": "s001",
        "relays": ["r1"],
        "courier": "c1",
        "recipient": "s001.f1",
        "mode": "home",
        "outcome": "unknown",
    }
    for name in ("log.jsonl", "log.ndjson", "log.txt"):
        (tmp_path / name).write_text(json.dumps(row) + "\n", encoding="utf-8")
        log = read_incident_log(tmp_path / name, model=classroom)
        assert isinstance(log, IncidentLog) and log.fmt == "jsonl"
    (tmp_path / "log.csv").write_text("\ufeff" + HEADER + GOOD, encoding="utf-8")
    assert read_incident_log(tmp_path / "log.csv").deliveries[0].day == 3


def test_file_guards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def one(path: Path) -> str:
        with pytest.raises(LogError) as info:
            read_incident_log(path)
        (p,) = info.value.problems
        return str(p)

    assert one(tmp_path / "missing.csv").endswith("missing.csv: no such file")
    assert "is a directory" in one(tmp_path)
    bad = tmp_path / "latin1.csv"
    bad.write_bytes((HEADER + "d1,3,s\xe9,r1,c1,f,home,delivered\n").encode("latin-1"))
    assert one(bad) == f"{bad}:2:7: is not UTF-8 text (first bad byte at offset 64)"
    big = tmp_path / "big.csv"
    big.write_text(HEADER + GOOD * 10, encoding="utf-8")
    monkeypatch.setattr(reader, "MAX_LOG_BYTES", 100)
    assert "larger than the limit of 100 bytes" in one(big)


def test_header_problems() -> None:
    assert problems(HEADER.replace("\n", ",cause\n") + GOOD + ",x\n" * 0) == [
        "log.csv:1:9: cause: is ground truth, which a defender cannot know: an incident log "
        "holds only what the defender sees (remove the column)"
    ]
    assert problems("delivery,day,sender,relays,courier,recipient,mode,outcome,remark\n")[0] == (
        "log.csv:1:9: unknown column 'remark' (allowed: delivery, day, sender, relays, courier, "
        "recipient, mode, outcome, exposed_to, family_arrested, notes, date)"
    )
    assert problems("delivery,day,day,sender\n") == [
        "log.csv:1:3: day: column given twice",
        "log.csv:1:1: missing column(s): relays, courier, recipient, mode, outcome",
    ]
    for truth in ("informant", "tipped_by", "truth", "harvest_community"):
        assert "ground truth" in problems(HEADER.replace("\n", f",{truth}\n"))[0]
    assert problems("") == ["log.csv:1:1: no header line: the first line names the columns"]
    with pytest.raises(LogError, match="holds no deliveries"):
        parse_incident_log(HEADER + "\n\n")


def test_every_value_problem_at_once() -> None:
    text = (
        HEADER
        + "d1,-3,s001,r1;r1,c1,s001.f1,house,gone\n"
        + "d1,x,s001,,c1,s001.f1,home,delivered\n"
        + "d2,3,s001,r1,c1,s001.f1,home\n"
        + "bad id!,100001,1abc,r1,c1,s001.f1,home,unknown\n"
    )
    assert problems(text) == [
        "log.csv:2:2: day: must be a whole number of days (0 or more)",
        "log.csv:2:7: mode: must be one of: home, meeting_point",
        "log.csv:2:8: outcome: must be one of: delivered, intercepted, unknown (or a word for "
        "one of them, such as received, arrested, lost)",
        "log.csv:2:4: relays: names a relay twice",
        "log.csv:3:1: delivery: delivery id 'd1' already used on line 2",
        "log.csv:3:2: day: must be a whole number of days (0 or more)",
        "log.csv:3:4: relays: needs one or more relay ids, ';'-separated",
        "log.csv:4:1: has 7 fields, the header has 8 columns",
        "log.csv:5:1: delivery: is not a delivery id (letters, digits, '_', '.', '-')",
        "log.csv:5:2: day: must be between 0 and 100000",
        "log.csv:5:3: sender: is not a party id (a letter, then letters, digits, '_', '.' or '-')",
    ]


def test_privacy_guard_on_every_cell_never_echoes() -> None:
    phone = "+82 10-1234-5678"
    street = "221B Baker Street"
    text = HEADER + f'd1,3,{phone},r1,c1,"{street}",home,delivered\n'
    found = problems(text)
    assert [p.split(": ")[1] for p in found] == ["sender", "recipient"]
    assert all("pseudonyms only" in p and phone not in p and street not in p for p in found)
    found = problems(HEADER.replace("mode", "a@b.example") + GOOD)
    assert any("e-mail" in p for p in found)


def test_parties_roles_and_routes(classroom) -> None:  # type: ignore[no-untyped-def]
    text = (
        HEADER
        + "d1,3,zz,r1,c1,s001.f1,home,delivered\n"
        + "d2,3,r1,c1,c1,s001.f1,home,delivered\n"
        + "d3,3,s001,r2,c1,s001.f1,home,delivered\n"
        + "d4,3,s001,r1,c2,s001.f1,home,delivered\n"
    )
    assert problems(text, classroom) == [
        "log.csv:2:3: sender: unknown party 'zz': not in the scenario",
        "log.csv:3:3: sender: 'r1' is a relay in the scenario, not a sender",
        "log.csv:3:4: relays: 'c1' is a courier in the scenario, not a relay",
        "log.csv:4:4: relays: this route is not one the sender uses in the scenario",
        "log.csv:5:4: relays: no route of the scenario goes through these relays to this courier",
    ]


def test_exposed_to(classroom) -> None:  # type: ignore[no-untyped-def]
    head = HEADER.replace("\n", ",exposed_to\n")
    log = parse_incident_log(
        head
        + "d1,3,s001,r1,c1,s001.f1,home,intercepted,\n"
        + "d2,3,s001,r1,c1,s001.f1,home,intercepted,-\n"
        + "d3,3,s001,r1,c1,s001.f1,home,intercepted,r1;r3\n",
        model=classroom,
    )
    assert [d.exposed_to for d in log.deliveries] == [None, (), ("r1", "r3")]
    assert problems(head + GOOD.replace("\n", ",r1;zz\n"), classroom) == [
        "log.csv:2:9: exposed_to: unknown party 'zz': not in the scenario"
    ]
    assert problems(head + GOOD.replace("\n", ",r1;;r2\n")) == [
        "log.csv:2:9: exposed_to: has an empty entry between ';'"
    ]


def test_multiline_quoted_cells_keep_line_numbers() -> None:
    text = (
        HEADER
        + 'd1,3,s001,"r1\n",c1,s001.f1,home,delivered\n'
        + "d2,x,s001,r1,c1,f,home,delivered\n"
    )
    assert problems(text) == ["log.csv:4:2: day: must be a whole number of days (0 or more)"]


def test_jsonl_problems() -> None:
    row = {
        "delivery": "d1",
        "day": 3,
        "sender": "s001",
        "relays": ["r1"],
        "courier": "c1",
        "recipient": "s001.f1",
        "mode": "home",
        "outcome": "delivered",
    }
    good = json.dumps(row)
    lines = [
        good,
        "{not json",
        "[1, 2]",
        good.replace('"day": 3', '"day": true').replace("d1", "d2"),
        good.replace('"day": 3', '"day": NaN').replace("d1", "d3"),
        good.replace("}", ', "cause": "informant"}').replace("d1", "d4"),
        good.replace('"day": 3', '"day": 3, "day": 4').replace("d1", "d5"),
        good.replace('["r1"]', "[1]").replace("d1", "d6"),
    ]
    found = problems("\n".join(lines) + "\n", fmt="jsonl")
    assert found == [
        "log.csv:2:2: not valid JSON: Expecting property name enclosed in double quotes",
        "log.csv:3:1: each line must be one JSON object (a delivery)",
        "log.csv:4:2: day: must be a whole number of days (0 or more)",
        "log.csv:5:1: not valid: NaN is not a number a log may hold",
        "log.csv:6:9: cause: is ground truth, which a defender cannot know: an incident log "
        "holds only what the defender sees (remove the column)",
        "log.csv:7:1: not valid: a key appears twice in one object",
        "log.csv:8:4: relays: must be text",
    ]


def test_problem_count_is_capped() -> None:
    text = HEADER + "".join(f"d{k},x,s001,r1,c1,f,home,delivered\n" for k in range(300))
    found = problems(text)
    assert len(found) == reader.MAX_PROBLEMS + 1
    # reading stops there: a broken 100,000-row log is refused in a moment
    assert found[-1] == "log.csv:101:1: stopped reading after 100 problems: fix these first"


def test_digest_is_stable_and_order_sensitive() -> None:
    a = parse_incident_log(HEADER + GOOD + "d2,4,s002,r2,c1,s002.f1,home,delivered\n")
    b = parse_incident_log(HEADER + GOOD + "d2,4,s002,r2,c1,s002.f1,home,delivered\n")
    assert a.digest == b.digest and len(a.digest) == 16 and len(a) == 2


def test_a_misspelt_party_gets_a_suggestion_never_another_numbers_party(classroom) -> None:  # type: ignore[no-untyped-def]
    found = problems(HEADER + "d1,3,s001,r1,c1,s001.ff1,home,delivered\n", classroom)
    assert found[0].endswith(
        "unknown party 's001.ff1': not in the scenario; did you mean 's001.f1'?"
    )
    # s099 is not in the scenario: s009 is close in spelling but another sender, never suggested
    found = problems(HEADER + "d1,3,s099,r1,c1,s001.f1,home,delivered\n", classroom)
    assert found[0].endswith("unknown party 's099': not in the scenario")


def test_a_log_of_another_scenario_says_so_first(classroom) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(f"d{k},3,x{k},y{k},z{k},x{k}.f1,home,delivered\n" for k in range(3))
    found = problems(HEADER + rows, classroom)
    assert found[0] == (
        "log.csv: most parties named in this log are not in scenario classroom: was the log "
        "kept for another scenario?"
    )
    assert len(found) > 3

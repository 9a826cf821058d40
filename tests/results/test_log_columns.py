"""The incident log as NGOs keep it: dates, notes, a column map, outcome words, family arrests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tipoff.cli import main
from tipoff.errors import InputError, UsageError
from tipoff.results import (
    OUTCOME_WORDS,
    LogError,
    parse_column_map,
    parse_incident_log,
    parse_season_start,
    read_incident_log,
)

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-spreadsheet-log.csv"
SAMPLE_COLUMNS = (
    "delivery=No.,date=Date,sender=Sender,relays=Broker(s),courier=Carrier,recipient=Family,"
    "mode=Hand-over,outcome=Result,family_arrested=Family arrested?,notes=Notes"
)
HEAD = "delivery,day,sender,relays,courier,recipient,mode,outcome"


def problems(text: str, **kw: object) -> list[str]:
    with pytest.raises(LogError) as info:
        parse_incident_log(text, source="log.csv", **kw)  # type: ignore[arg-type]
    return [str(p) for p in info.value.problems]


def test_outcome_words_in_three_languages() -> None:
    rows = [
        ("arrested", "intercepted"),
        ("Lost", "intercepted"),
        ("체포", "intercepted"),
        ("被捕", "intercepted"),
        ("received", "delivered"),
        ("전달", "delivered"),
        ("送达", "delivered"),
        ("모름", "unknown"),
    ]
    text = (
        HEAD
        + "\n"
        + "".join(f"d{k},{k},s001,r1,c1,s001.f1,home,{w}\n" for k, (w, _) in enumerate(rows))
    )
    log = parse_incident_log(text)
    assert [d.outcome for d in log.deliveries] == [want for _, want in rows]
    # the message names some accepted words, so a spreadsheet's user knows they need not be English
    # tipoff's own; each word it names is accepted
    assert problems(HEAD + "\nd1,1,s001,r1,c1,s001.f1,home,vanished\n") == [
        "log.csv:2:8: outcome: must be one of: delivered, intercepted, unknown "
        "(or a word for one of them, such as received, arrested, lost)"
    ]
    assert {"received", "arrested", "lost"} <= set(OUTCOME_WORDS)


def test_family_column() -> None:
    text = (
        HEAD
        + ",family_arrested\n"
        + "d1,1,s001,r1,c1,s001.f1,home,intercepted,yes\n"
        + "d2,2,s001,r1,c1,s001.f1,home,intercepted,no\n"
        + "d3,3,s001,r1,c1,s001.f1,home,intercepted,\n"
        + "d4,4,s001,r1,c1,s001.f1,home,delivered,\n"
    )
    log = parse_incident_log(text)
    assert [d.family_arrested for d in log.deliveries] == [True, False, None, None]
    assert log.deliveries[0].to_row()["family_arrested"] is True
    assert "family_arrested" not in log.deliveries[3].to_row()
    bad = text.replace("intercepted,yes", "intercepted,perhaps")
    assert problems(bad) == [
        "log.csv:2:9: family_arrested: must be yes, no, or empty for not known"
    ]


def test_dates_need_the_season_start_and_map_to_days() -> None:
    text = (
        "delivery,date,sender,relays,courier,recipient,mode,outcome\n"
        "d1,2025-03-01,s001,r1,c1,s001.f1,home,delivered\n"
        "d2,2025/03/11,s001,r1,c1,s001.f1,home,delivered\n"
    )
    log = parse_incident_log(text, season_start=dt.date(2025, 3, 1))
    assert [d.day for d in log.deliveries] == [0, 10]
    assert problems(text) == [
        "log.csv:2:2: date: a date needs the season's first day: give it as season_start (--season-start) YYYY-MM-DD",
        "log.csv:3:2: date: a date needs the season's first day: give it as season_start (--season-start) YYYY-MM-DD",
    ]
    early = text.replace("2025/03/11", "2025-02-27").replace("2025-03-01,", "2025-13-01,")
    assert problems(early, season_start=dt.date(2025, 3, 1)) == [
        "log.csv:2:2: date: must be a date YYYY-MM-DD",
        "log.csv:3:2: date: is before the season's start (2025-03-01)",
    ]
    both = text.replace("delivery,date,", "delivery,date,day,").replace(",s001,", ",5,s001,", 1)
    assert "give a day or a date column, not both" in problems(both)[0]
    with pytest.raises(UsageError):
        parse_season_start("1 March")


def test_notes_are_checked_by_the_privacy_guard_and_dropped() -> None:
    text = HEAD + ",notes\n" + "d1,1,s001,r1,c1,s001.f1,home,delivered,paid in two parts\n"
    log = parse_incident_log(text)
    assert "notes" not in log.deliveries[0].to_row()
    assert "two parts" not in json.dumps([d.to_row() for d in log.deliveries])
    phone = "+82 10 1234 5678"
    found = problems(text.replace("paid in two parts", f"call {phone}"))
    assert len(found) == 1 and found[0].startswith("log.csv:2:9: notes:")
    assert "1234" not in found[0]  # never echoed


def test_column_map() -> None:
    assert parse_column_map("day=Date, courier=Carrier") == {"Date": "day", "Carrier": "courier"}
    for bad in ("day", "day=", "colour=Red", "day=A,day=B", "day=A,sender=A"):
        with pytest.raises(UsageError):
            parse_column_map(bad)
    text = "No.,Day,From,Via,Carrier,To,How,Result\nd1,1,s001,r1,c1,s001.f1,home,lost\n"
    cols = parse_column_map(
        "delivery=No.,day=Day,sender=From,relays=Via,courier=Carrier,recipient=To,mode=How,"
        "outcome=Result"
    )
    log = parse_incident_log(text, columns=cols)
    assert log.deliveries[0].outcome == "intercepted"
    jsonl = '{"No.": "d1", "Day": 1, "From": "s001", "Via": ["r1"], "Carrier": "c1", "To": "s001.f1", "How": "home", "Result": "arrested"}\n'
    assert (
        parse_incident_log(jsonl, columns=cols, fmt="jsonl").deliveries[0].outcome == "intercepted"
    )


def test_the_sample_spreadsheet_reads_as_is() -> None:
    log = read_incident_log(
        SAMPLE, columns=parse_column_map(SAMPLE_COLUMNS), season_start=dt.date(2025, 3, 1)
    )
    assert len(log) >= 5
    assert {d.outcome for d in log.deliveries} == {"delivered", "intercepted"}
    assert any(d.family_arrested for d in log.deliveries)


def test_cli_reads_the_sample_and_bad_cells_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["attribute", str(SAMPLE), "-s", "classroom", "--season-start", "2025-03-01"]
    with pytest.raises(SystemExit) as info:
        main([*argv, "--columns", SAMPLE_COLUMNS, "--json"])
    assert not info.value.code
    doc = json.loads(capsys.readouterr().out)
    assert doc["deliveries"]["logged"] >= 5
    assert "paid in two parts" not in json.dumps(doc) and "Notes" not in json.dumps(doc)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        SAMPLE.read_text(encoding="utf-8").replace("2025-03-03", "2025-02-03", 1), encoding="utf-8"
    )
    with pytest.raises(SystemExit) as info:
        main(
            [
                "attribute",
                str(bad),
                "-s",
                "classroom",
                "--season-start",
                "2025-03-01",
                "--columns",
                SAMPLE_COLUMNS,
            ]
        )
    assert info.value.code == 3
    assert f"{bad}:2:2: date: is before the season's start" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main([*argv, "--columns", "colour=Red"])
    assert info.value.code == 2


def test_column_map_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tipoff.results import read_column_map

    mapping = tmp_path / "columns.txt"
    mapping.write_text(
        "# our spreadsheet\n" + SAMPLE_COLUMNS.replace(",", "\n") + "\n", encoding="utf-8"
    )
    assert read_column_map(str(mapping)) == parse_column_map(SAMPLE_COLUMNS)
    with pytest.raises(SystemExit) as info:
        main(
            ["attribute", str(SAMPLE), "-s", "classroom", "--season-start", "2025-03-01",
             "--columns", str(mapping), "--json"]
        )  # fmt: skip
    assert not info.value.code
    assert json.loads(capsys.readouterr().out)["deliveries"]["logged"] >= 5


def test_a_bad_column_map_file_names_every_problem_at_its_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tipoff.results import read_column_map

    mapping = tmp_path / "columns.txt"
    mapping.write_text(
        "# ours\nday=Date, colour=Red\ncourier\n\nsender=Date\nrecipient=+82 10 1234 5678\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_column_map(str(mapping))
    shown = [str(p) for p in info.value.problems]
    assert [s.split(": ", 1)[0] for s in shown] == [
        f"{mapping}:2:11",  # unknown column
        f"{mapping}:3:1",  # not COLUMN=HEADER
        f"{mapping}:5:1",  # header mapped twice
        f"{mapping}:6:1",  # looks like a phone number
    ]
    assert "colour" in shown[0] and "mapped twice" in shown[2]
    assert "phone number" in shown[3] and all("1234" not in s for s in shown)  # never echoed
    with pytest.raises(SystemExit) as exit_info:
        main(["attribute", str(SAMPLE), "-s", "classroom", "--columns", str(mapping)])
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert f"{mapping}:3:1:" in err and "Traceback" not in err
    mapping.write_text("# nothing\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds no COLUMN=HEADER entry"):
        read_column_map(str(mapping))


def test_an_inline_column_map_lists_every_problem_without_echoing_personal_data() -> None:
    with pytest.raises(UsageError) as info:
        parse_column_map("day=Date,colour=Red,+82 10 1234 5678,courier=Date")
    lines = str(info.value).splitlines()
    assert len(lines) == 3 and all(line.startswith("columns: ") for line in lines)  # the API's word
    worded = info.value.worded({"columns": "--columns"}).splitlines()  # the CLI's
    assert all(line.startswith("--columns: ") for line in worded)
    assert "1234" not in str(info.value) and "phone number" in lines[1]


def test_a_log_with_headers_of_its_own_is_pointed_at_the_column_map() -> None:
    from tipoff.results import LogError, parse_incident_log

    text = "No.,Date,Broker(s),Result\n1,2025-03-01,r1,lost\n"
    with pytest.raises(LogError) as info:
        parse_incident_log(text)
    lines = str(info.value).splitlines()
    assert any("unknown column (its name not shown" in line for line in lines)
    assert "a column map" in lines[-1]
    assert "unknown column a column" not in str(info.value)

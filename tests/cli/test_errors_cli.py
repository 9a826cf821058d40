"""Every class of bad input through the CLI: exit code 3, ``file:line:col: path: message`` on
stderr, never a traceback; usage errors exit 2; a bug exits 1 unless ``--debug`` is given."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli_invoke import invoke
from tipoff.cli import main
from tipoff.scenario import _load

VALID = """\
name: minimal
horizon_days: 30
parties:
  - {id: s1, role: sender}
  - {id: r1, role: relay}
  - {id: c1, role: courier, home: Hoeryong}
  - {id: f1, role: recipient, home: Hamhung}
links:
  sender_relays: {s1: [r1]}
  relay_couriers: {r1: [c1]}
  sender_recipients: {s1: [f1]}
workload:
  per_sender_per_year: 6
protocol:
  - {from: sender, to: relay, items: [recipient_address], lead_days: 5}
operation:
  recruitment: {initial: 0.1}
  relay: {success: 0.5}
  response:
    catch: {address_and_schedule: 0.9}
"""

EMPTY_NETWORK = """\
name: empty
horizon_days: 30
parties: []
protocol:
  - {from: sender, to: relay, items: [recipient_address], lead_days: 5}
operation:
  recruitment: {initial: 0.1}
  relay: {success: 0.5}
  response:
    catch: {address_and_schedule: 0.9}
"""


def _alias_bomb() -> str:
    lines = ["name: bomb", "a: &a [x, x, x, x, x, x, x, x, x]"]
    for p, q in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{q}: &{q} [" + ", ".join([f"*{p}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _line_of(text: str, needle: str) -> int:
    """1-based line of the first line holding ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _replace(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


# name -> (file text, line of the problem (None: any), path ("": none, "*": any), message regex)
BAD_FILES: dict[str, tuple[str, int | None, str, str]] = {
    "malformed_yaml": (
        "name: x\nhorizon_days: [1\n",
        None,
        "",
        r"YAML syntax: .*",
    ),
    "duplicate_key": (
        _replace("horizon_days: 30\n", "horizon_days: 30\nhorizon_days: 40\n"),
        3,
        "horizon_days",
        r"duplicate key",
    ),
    "unknown_key_typo": (
        _replace("horizon_days: 30", "horizon_dayz: 30"),
        2,
        "horizon_dayz",
        r"Extra inputs are not permitted",
    ),
    "wrong_type": (
        _replace("horizon_days: 30", "horizon_days: ninety"),
        2,
        "horizon_days",
        r"Input should be a valid integer",
    ),
    "probability_above_one": (
        _replace("initial: 0.1", "initial: 1.3"),
        _line_of(VALID, "initial: 0.1"),
        "operation.recruitment.initial",
        r"Input should be less than or equal to 1",
    ),
    "negative_days": (
        _replace("lead_days: 5", "lead_days: -5"),
        _line_of(VALID, "lead_days: 5"),
        "protocol[0].lead_days",
        r"Input should be greater than or equal to 0",
    ),
    "unknown_party": (
        _replace("r1: [c1]", "r1: [c9]"),
        _line_of(VALID, "r1: [c1]"),
        "links.relay_couriers.r1[0]",
        r"unknown party 'c9'",
    ),
    "empty_network": (EMPTY_NETWORK, 3, "parties", r"the network has no senders"),
    "alias_bomb": (
        _alias_bomb(),
        None,
        "*",
        r"more than [\d]+ (YAML aliases|values once aliases expand)",
    ),
    "phone_number": (
        _replace("name: minimal\n", "name: minimal\ndescription: call +82 10-1234-5678\n"),
        2,
        "description",
        r"looks like a phone number; tipoff holds pseudonyms only",
    ),
}


def _problem_pattern(source: str, line: int | None, path: str, message: str) -> re.Pattern[str]:
    where = re.escape(source) + (rf":{line}:\d+" if line is not None else r":\d+:\d+")
    what = {"": "", "*": r"[^:\s]+: "}.get(path, re.escape(path) + ": ") + message
    return re.compile(rf"^{where}: {what}", re.MULTILINE)


@pytest.mark.parametrize("command", [["scenario", "validate"], ["run"]], ids=["validate", "run"])
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_files(
    case: str, command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, line, path, message = BAD_FILES[case]
    target = tmp_path / f"{case}.yaml"
    target.write_text(text, encoding="utf-8")
    code, out, err = invoke([*command, str(target)], capsys)
    assert code == 3, (out, err)
    assert _problem_pattern(str(target), line, path, message).search(err), err
    assert "Traceback" not in out + err
    assert out == ""


def test_every_problem_is_reported_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = VALID.replace("initial: 0.1", "initial: 1.3").replace("lead_days: 5", "lead_days: -5")
    target = tmp_path / "two.yaml"
    target.write_text(text, encoding="utf-8")
    code, _, err = invoke(["scenario", "validate", str(target)], capsys)
    assert code == 3
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{target}:") for line in lines)


def test_phone_numbers_are_not_echoed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, *_ = BAD_FILES["phone_number"]
    target = tmp_path / "phone.yaml"
    target.write_text(text, encoding="utf-8")
    code, out, err = invoke(["run", str(target)], capsys)
    assert code == 3
    assert "1234" not in out + err
    assert "pseudonyms" in err


def test_file_over_the_size_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_load, "MAX_FILE_BYTES", 100)
    target = tmp_path / "big.yaml"
    target.write_text(VALID, encoding="utf-8")
    for command in (["scenario", "validate"], ["run"]):
        code, out, err = invoke([*command, str(target)], capsys)
        assert code == 3
        assert re.search(rf"^{re.escape(str(target))}: is \d+ bytes, larger than the limit", err)
        assert "Traceback" not in out + err


@pytest.mark.parametrize("command", [["scenario", "validate"], ["run"]], ids=["validate", "run"])
def test_a_directory(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = invoke([*command, str(tmp_path)], capsys)
    assert code == 3
    assert err.startswith(f"{tmp_path}: is a directory")
    assert "Traceback" not in out + err


@pytest.mark.parametrize("command", [["scenario", "validate"], ["run"]], ids=["validate", "run"])
def test_a_missing_path(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "scenario.yaml"
    code, out, err = invoke([*command, str(missing)], capsys)
    assert code == 3
    assert err.startswith(f"{missing}: no such file")
    assert "Traceback" not in out + err


def test_an_unknown_preset(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = invoke(["run", "no-such-preset"], capsys)
    assert code == 3
    assert "no such file or preset" in err
    assert "classroom" in err  # the message lists the presets there are
    code, _, err = invoke(["scenario", "show", "no-such-preset"], capsys)
    assert code == 3
    assert "no such file or preset" in err


# ------------------------------------------------------------------------------- usage errors --


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "classroom", "--runs", "0"],
        ["run", "classroom", "--runs", "many"],
        ["run", "classroom", "--seed", "-1"],
        ["run", "classroom", "--workers", "0"],
        ["run", "classroom", "--no-such-option"],
        ["no-such-command"],
        ["scenario", "validate"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(argv, capsys)
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    assert err.strip()


# ----------------------------------------------------------------------------- internal errors --


def _broken_engine(*args: object, **kwargs: object) -> None:
    raise RuntimeError("engine exploded")


def test_an_internal_error_exits_1_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tipoff.engines.simulate_season", _broken_engine)
    code, out, err = invoke(["run", "classroom", "--runs", "2"], capsys)
    assert code == 1
    assert "internal error" in err
    assert "RuntimeError: engine exploded" in err
    assert "--debug" in err
    assert "Traceback" not in out + err


def test_debug_shows_an_internal_errors_traceback_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("tipoff.engines.simulate_season", _broken_engine)
    with pytest.raises(SystemExit) as info:
        main(["--debug", "run", "classroom", "--runs", "2"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "engine exploded" in err


def test_debug_keeps_an_input_errors_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "bad.yaml"
    target.write_text(BAD_FILES["probability_above_one"][0], encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["--debug", "scenario", "validate", str(target)])
    assert info.value.code == 3  # the same code as without --debug: scripts can rely on it
    err = capsys.readouterr().err
    assert "Traceback" in err and "ScenarioError" in err
    assert f"{target}:" in err  # and the problems, as without --debug


def test_in_a_real_process_bad_input_shows_no_traceback_unless_debug(tmp_path: Path) -> None:
    target = tmp_path / "bad.yaml"
    target.write_text(BAD_FILES["probability_above_one"][0], encoding="utf-8")
    command = [sys.executable, "-m", "tipoff"]
    plain = subprocess.run(
        [*command, "run", str(target)], capture_output=True, text=True, timeout=120, check=False
    )
    assert plain.returncode == 3
    assert "Traceback" not in plain.stdout + plain.stderr
    assert f"{target}:{_line_of(VALID, 'initial: 0.1')}:" in plain.stderr
    debug = subprocess.run(
        [*command, "--debug", "run", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert debug.returncode == plain.returncode == 3
    assert "Traceback" in debug.stderr


def test_positions_are_printed_as_written_never_as_emoji(tmp_path: Path, capsys) -> None:
    # Rich turns ":100:" into an emoji unless told not to: line 100 must read "file:100:3"
    body = VALID.replace("operation:\n", "operation:\n  tpyo: 1\n", 1)
    before = body.splitlines().index("  tpyo: 1")
    text = "".join(f"# line {i}\n" for i in range(99 - before)) + body
    assert text.splitlines()[99] == "  tpyo: 1"
    path = tmp_path / "long.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["scenario", "validate", str(path)])
    assert exc.value.code == 3
    stderr = capsys.readouterr().err
    assert f"{path}:100:3" in stderr, stderr
    assert "\N{HUNDRED POINTS SYMBOL}" not in stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["sweep", "--vary", "+82 10 1234 5678=1,2", "--runs", "2"],
        ["sweep", "--vary", "operation.background=+82 10 1234 5678", "--runs", "2"],
        ["attribute", "x.csv", "--season-start", "+82 10 1234 5678"],
        ["run", "--log-out", "x.csv.age", "--encrypt-to", "+82 10 1234 5678"],
    ],
)
def test_usage_errors_never_echo_personal_data(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "1234" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "kim@example.com"],
        ["scenario", "show", "+82 10 1234 5678"],
        ["run", "kim@example.com.yaml"],
        ["calibrate", "north-hamgyong-spring", "+82 10 1234 5678", "--check"],
    ],
)
def test_input_errors_never_echo_personal_data(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # a scenario or observations name typed as an e-mail or phone number: exit 3, not echoed
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert "(not shown: looks like personal data)" in err
    assert "example.com" not in err and "1234" not in err


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["harden", "classroom", "--max-fee", "10"], "did you mean 0.1?"),
        (["exposure", "classroom", "--threshold", "50"], "did you mean 0.5?"),
        (["harden", "classroom", "--max-fee", "150"], ""),
    ],
)
def test_a_share_written_as_a_percentage_gets_a_hint(
    argv: list[str], hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "must be a share between 0 and 1" in err
    assert (hint in err) if hint else ("did you mean" not in err)

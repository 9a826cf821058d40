"""Writing files and the terminal (issue 16): OS errors in one line with exit code 4, ``-`` as
standard output where it makes sense, no silent loss on a full disk, escaped file text, and a
run too big for memory refused before it starts."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest

from cli_invoke import invoke
from tipoff.errors import EXIT_INPUT, EXIT_OUTPUT, EXIT_USAGE

SMALL = ["run", "classroom", "--runs", "3", "--seed", "1"]


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


# ------------------------------------------------------------------------------- OS errors --


def test_target_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = invoke([*SMALL, "--log-out", str(tmp_path)], capsys)
    assert code == EXIT_OUTPUT
    assert f"cannot write {tmp_path}: is a folder" in _one_line(err)


def test_folder_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nowhere" / "log.csv"
    code, _, err = invoke([*SMALL, "--log-out", str(target)], capsys)
    assert code == EXIT_OUTPUT
    assert f"the folder {target.parent} does not exist" in _one_line(err)


def test_one_bad_target_means_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a user got log.csv written, then "cannot write .../truth.json": half of what was asked
    log = tmp_path / "log.csv"
    target = tmp_path / "nowhere" / "truth.json"
    argv = [*SMALL, "--no-encrypt", "--log-out", str(log), "--truth-out", str(target)]
    code, out, err = invoke(argv, capsys)
    assert code == EXIT_OUTPUT
    assert f"the folder {target.parent} does not exist" in _one_line(err)
    assert out == "" and not log.exists()


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "the file system is read-only"),
        (errno.ENOSPC, "no space left on the device (disk full)"),
        (errno.EDQUOT, "disk quota exceeded"),
        (errno.EIO, "input/output error"),
    ],
)
def test_os_refusals_are_one_line_exit_4(
    number: int,
    words: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(number, os.strerror(number), str(tmp_path / ".log.csv.x1y2.tmp"))

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    code, _, err = invoke([*SMALL, "--log-out", str(tmp_path / "log.csv")], capsys)
    assert code == EXIT_OUTPUT
    line = _one_line(err)
    assert words in line
    assert f"cannot write {tmp_path / 'log.csv'}" in line  # the file named, not the temporary one
    assert not list(tmp_path.iterdir())


def test_an_os_error_anywhere_is_not_an_internal_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error", "/some/file")

    monkeypatch.setattr("tipoff.engines.simulate_season", broken)
    code, _, err = invoke(SMALL, capsys)
    assert code == EXIT_OUTPUT
    assert "/some/file: input/output error" in _one_line(err)


@pytest.mark.skipif(
    not (os.path.exists("/dev/full") and stat.S_ISCHR(os.stat("/dev/full").st_mode)),
    reason="no /dev/full",
)
def test_writing_to_dev_full_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = invoke([*SMALL, "--log-out", "/dev/full"], capsys)
    assert code == EXIT_OUTPUT
    assert "no space left" in _one_line(err)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # still the device, never replaced


# ---------------------------------------------------------------------------------- stdout --


def test_log_out_dash_is_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke([*SMALL, "--log-out", "-"], capsys)
    assert code == 0, err
    assert out.startswith(
        "delivery,day,sender,relays,courier,recipient,mode,outcome,family_arrested\n"
    )
    assert "seasons of" in err  # the summary moved to stderr
    assert not (tmp_path / "-").exists()


def test_truth_and_table_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke([*SMALL, "--truth-out", "-"], capsys)
    assert code == 0, err
    assert "informants" in json.loads(out)
    code, out, err = invoke([*SMALL, "--table-out", "-"], capsys)
    assert code == 0, err
    assert out.startswith("day,metric,mean,lo,hi")
    assert not list(tmp_path.iterdir())


def test_schema_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(["scenario", "schema", "-o", "-"], capsys)
    assert code == 0
    assert json.loads(out)["title"]


@pytest.mark.parametrize(
    "extra",
    [["--log-out", "-", "--json"], ["--log-out", "-", "--truth-out", "-"]],
    ids=["with-json", "two-outputs"],
)
def test_two_claims_on_stdout_are_refused(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = invoke([*SMALL, *extra], capsys)
    assert code == EXIT_USAGE
    assert "standard output" in _one_line(err)
    assert out == ""


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["report", "classroom", "-o", "-"], "one HTML file"),
        (["run", "-"], "standard input"),
        (["run", "classroom", "--table-out", "-.parquet"], None),
        (["attribute", "-", "--scenario", "classroom"], "standard input"),
        (["calibrate", "--particles", "16", "-o", "-"], "read back by other commands"),
        (["keygen", "-o", "-"], "never printed"),
        (["sweep", "classroom", "--vary", "operation.tracing=0", "-o", "-"], ".csv or .parquet"),
        (["sweep", "classroom", "--vary", "operation.tracing=0", "--plot", "-"], ".html"),
    ],
    ids=["report", "scenario", "parquet-name", "log", "calibrate", "keygen", "sweep", "plot"],
)
def test_dash_elsewhere_is_refused_clearly(
    argv: list[str],
    words: str | None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke(argv, capsys)
    if words is None:  # a file literally named "-.parquet" is just a file
        assert code == 0, err
        return
    assert code in (EXIT_USAGE, EXIT_INPUT)
    assert words in _one_line(err)
    assert not list(tmp_path.iterdir())


# -------------------------------------------------------------------------------- terminal --

ESCAPES = "\x1b\x07\x9b\u202e"


def test_escape_sequences_from_files_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tipoff._config import Config, save_config
    from tipoff.scenario import preset_text

    # the privacy guard only lets known towns be homes: allow this hostile one as an extra place
    # (the way a user adds a town), so that it reaches the terminal's code paths
    evil = "Hoe\x1b[H\x1b[J\x07\x9bK\u202eryong"
    monkeypatch.setenv(
        "TIPOFF_CONFIG", str(save_config(Config(places=(evil,)), tmp_path / "config.toml"))
    )

    text = preset_text("classroom").replace(
        "home: Hoeryong", 'home: "Hoe\\e[H\\e[J\\a\\x9bK\\u202eryong"'
    )
    assert text != preset_text("classroom")
    target = tmp_path / "evil.yaml"
    target.write_text(text, encoding="utf-8")
    for argv in (
        ["run", str(target), "--runs", "20", "--seed", "1"],
        ["exposure", str(target)],
        ["scenario", "validate", str(target)],
    ):
        code, out, err = invoke(argv, capsys)
        assert code == 0, err
        assert not any(ch in out + err for ch in ESCAPES), argv
    code, out, err = invoke(["run", str(target), "--runs", "20", "--seed", "1"], capsys)
    assert "\\x1b" in out  # shown, visibly


def test_safe_shows_controls_and_escapes_markup() -> None:
    from tipoff.cli._safe import safe, safe_markup

    assert safe("a\x1b[31mb\u2028c\x85d\x00") == "a\\x1b[31mb\\u2028c\\x85d\\x00"
    assert safe_markup("[bold]r1[/bold]") == "\\[bold]r1\\[/bold]"
    assert safe("Hoeryong s001.f1 회령 会宁") == "Hoeryong s001.f1 회령 会宁"


# ------------------------------------------------------------------------------ memory budget --

HUGE = """\
name: huge
horizon_days: 3650
parties:
  - {id: r1, role: relay}
  - {id: c1, role: courier, home: Hoeryong}
generate:
  senders: {count: 40000, relays: [r1]}
  recipients: {per_sender: 1, homes: [Hamhung]}
links:
  relay_couriers: {r1: [c1]}
workload:
  per_sender_per_year: 365
protocol:
  - {from: sender, to: relay, items: [recipient_address], lead_days: 5}
operation:
  recruitment: {initial: 0.1}
  relay: {success: 0.5}
  response:
    catch: {address_and_schedule: 0.9}
"""


def test_a_run_too_big_for_memory_is_refused_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "huge.yaml"
    target.write_text(HUGE, encoding="utf-8")
    code, _, err = invoke(["run", str(target), "--runs", "1000"], capsys)
    assert code == EXIT_INPUT
    line = _one_line(err)
    assert line.startswith(f"{target}: this simulation would need about ")
    assert "GiB of memory" in line and "more than the limit of" in line


def test_the_memory_limit_can_be_set(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIPOFF_MEMORY_LIMIT", "1M")
    code, _, err = invoke(SMALL, capsys)
    assert code == EXIT_INPUT
    assert "more than the limit of 1 MiB" in _one_line(err)
    monkeypatch.setenv("TIPOFF_MEMORY_LIMIT", "lots")
    code, _, err = invoke(SMALL, capsys)
    assert code == EXIT_USAGE


def test_running_out_of_memory_anyway_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError("Unable to allocate 10.3 GiB")

    monkeypatch.setattr("tipoff.engines.simulate_season", exhausted)
    code, _, err = invoke(SMALL, capsys)
    assert code == EXIT_INPUT
    assert "ran out of memory" in _one_line(err)


def test_positions_are_never_read_as_emoji_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tipoff.scenario import preset_text

    base = preset_text("classroom")
    text = base + "\n" * (99 - base.count("\n")) + "stray: 1\n"  # on line 100
    target = tmp_path / "s.yaml"
    target.write_text(text, encoding="utf-8")
    code, _, err = invoke(["scenario", "validate", str(target)], capsys)
    assert code == EXIT_INPUT
    line = next(i for i, t in enumerate(text.split("\n"), 1) if t.startswith("stray"))
    assert line == 100
    assert f"{target}:100:1: stray:" in err, err  # ':100:' was printed as an emoji


# ------------------------------------------- every command refuses a bad output the same way --

#: Every option that names a file to write, with the rest of a command line that would run.
WRITERS = {
    "run --log-out": ["run", "classroom", "--runs", "3", "--no-encrypt", "--log-out"],
    "run --table-out": ["run", "classroom", "--runs", "3", "--table-out"],
    "report -o": ["report", "classroom", "--runs", "2", "--no-encrypt", "-o"],
    "keygen -o": ["keygen", "-o"],
    "sweep -o": ["sweep", "classroom", "--vary", "operation.tracing=0,0.5", "-n", "2", "-o"],
    "sweep --plot": ["sweep", "classroom", "--vary", "operation.tracing=0,0.5", "--plot"],
    "calibrate -o": ["calibrate", "--particles", "16", "-o"],
    "calibrate --schema -o": ["calibrate", "--schema", "-o"],
    "scenario schema -o": ["scenario", "schema", "-o"],
}
NAMES = {
    "run --log-out": "log.csv",
    "run --table-out": "table.csv",
    "report -o": "report.html",
    "sweep -o": "table.csv",
    "sweep --plot": "plot.html",
}


@pytest.mark.parametrize("writer", list(WRITERS))
@pytest.mark.parametrize("problem", ["folder missing", "is a folder", "not writable"])
def test_every_command_refuses_an_unwritable_output_alike(
    writer: str,
    problem: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A user got exit 2 from report, keygen and sweep --plot but 4 from run for the same
    missing folder: every output is checked in one place, before any work, with one wording."""
    name = NAMES.get(writer, "out.json")
    if problem == "folder missing":
        target = tmp_path / "nowhere" / name
        words = f"cannot write {target}: the folder {target.parent} does not exist"
    elif problem == "is a folder":
        target = tmp_path / name
        target.mkdir()
        words = f"cannot write {target}: is a folder; name a file to write"
    else:  # the folder refuses writes (faked: the tests may run as root, who may write anywhere)
        target = tmp_path / "locked" / name
        target.parent.mkdir()
        real = os.access
        monkeypatch.setattr(
            os, "access", lambda p, mode, **kw: Path(p) != target.parent and real(p, mode, **kw)
        )
        words = f"cannot write {target}: permission denied"
    code, out, err = invoke([*WRITERS[writer], str(target)], capsys)
    assert code == EXIT_OUTPUT, err
    assert _one_line(err) == f"error: {words}"
    assert out == ""

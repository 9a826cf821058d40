"""Help text is printed as written (no markup eaten), and ``scenario show`` takes a file or a preset."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from cli_invoke import invoke
from tipoff.cli import app
from tipoff.scenario import preset_text


def _commands() -> list[tuple[list[str], Any]]:
    """Every command and group of the app, with the argv that reaches it."""
    found: list[tuple[list[str], Any]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        found.append((path, cmd))
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def _help_strings(cmd: Any) -> list[str]:
    texts = [cmd.help or "", cmd.epilog or ""]
    texts += [getattr(p, "help", None) or "" for p in cmd.params]
    return [t for t in texts if t]


def _flat(text: str) -> str:
    """Whitespace collapsed, so that text wrapped over lines still matches."""
    return " ".join(text.split())


COMMANDS = _commands()


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) or "tipoff" for p, _ in COMMANDS])
def test_help_keeps_every_bracketed_phrase(
    path: list[str], cmd: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = invoke([*path, "--help"], capsys)
    assert code == 0, err
    shown = _flat(out)
    for text in _help_strings(cmd):
        for phrase in re.findall(r"\S*\[[^\]]*\]\S*", text):
            assert _flat(phrase) in shown, f"{phrase!r} missing from `{' '.join(path)} --help`"


# a Python type where the user expects what to type: `<list[str]>`, `<class 'int'>`, `<Path>`,
# `<Optional[str]>`, `<typing.Any>`
PYTHON_TYPE = re.compile(r"<[^>]*(\[|class|typing|Path|Optional|NoneType|list|dict|tuple)[^>]*>")


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) or "tipoff" for p, _ in COMMANDS])
def test_help_names_what_an_option_takes_not_its_python_type(
    path: list[str], cmd: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # a user saw `--encrypt-to <list[str]>`, `-i, --identity <list[Path]>` and
    # `sweep --vary <list[str]>`: Python types, not what to type
    code, out, err = invoke([*path, "--help"], capsys)
    assert code == 0, err
    assert not PYTHON_TYPE.search(out), PYTHON_TYPE.findall(out)


LEAVES = [(p, c) for p, c in COMMANDS if not getattr(c, "commands", None)]


@pytest.mark.parametrize("path,cmd", LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_every_command_help_lists_every_exit_code(
    path: list[str], cmd: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command can exit with any documented code (4 too: an output file, or standard
    output closed by `| head`); its help lists them all, as README's "Exit codes" does."""
    from tipoff import errors

    code, out, err = invoke([*path, "--help"], capsys)
    assert code == 0, err
    shown = _flat(out)
    assert "Exit codes: " in shown, out
    sentence = shown.split("Exit codes: ", 1)[1].split(".", 1)[0]
    listed = {int(part.split()[0]) for part in sentence.split("; ")}
    documented = {getattr(errors, n) for n in errors.__all__ if n.startswith("EXIT_")}
    assert listed == documented, sentence


def test_run_help_shows_the_dask_extra(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(["run", "--help"], capsys)
    assert code == 0
    assert "pip install 'tipoff[dask]'" in _flat(out)


def test_show_prints_a_preset_and_a_file_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke(["scenario", "show", "classroom"], capsys)
    assert code == 0 and out == preset_text("classroom")
    Path("my.yaml").write_text(out.replace("name: classroom", "name: mine"), encoding="utf-8")
    code, shown, err = invoke(["scenario", "show", "my.yaml"], capsys)
    assert code == 0, err
    assert shown == Path("my.yaml").read_text(encoding="utf-8")
    assert "name: mine" in shown


def test_show_refuses_a_bad_file_without_printing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(preset_text("classroom").replace("horizon_days: 60", "horizon_days: -1"))
    code, out, err = invoke(["scenario", "show", str(bad)], capsys)
    assert code == 3
    assert out == ""
    assert re.search(rf"{re.escape(str(bad))}:\d+:\d+: horizon_days", err), err


def test_show_names_the_presets_when_neither_file_nor_preset(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = invoke(["scenario", "show", "no-such-thing"], capsys)
    assert code == 3 and out == ""
    assert "no such file or preset" in err and "classroom" in err


def test_command_lists_give_each_summary_whole(capsys: pytest.CaptureFixture[str]) -> None:
    for path, cmd in COMMANDS:
        subs = getattr(cmd, "commands", None) or {}
        if not subs:
            continue
        code, out, _ = invoke([*path, "--help"], capsys)
        assert code == 0
        shown = _flat(out)
        for name, sub in subs.items():
            summary = _flat(sub.get_short_help_str(limit=10_000))
            assert not summary.endswith("..."), f"{name}: {summary!r}"
            assert f"{name} {summary}" in shown, f"{name}: {summary!r} not listed whole"

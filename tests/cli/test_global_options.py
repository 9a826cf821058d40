"""Global options (-i/--identity, --debug) go before the command: the help says so, and using one
after the command says so too, instead of "No such option"."""

from __future__ import annotations

import pytest

from cli_invoke import invoke


def test_the_help_says_what_identity_does_and_where_it_goes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = invoke(["-h"], capsys)
    flat = " ".join(out.split())
    assert code == 0
    assert "private key" in flat and "opens encrypted .age input files" in flat
    assert "put it before the command" in flat
    assert "tipoff -i key.txt attribute log.csv.age" in flat


@pytest.mark.parametrize(
    ("argv", "written", "command"),
    [
        (["attribute", "log.csv.age", "-i", "key.txt"], "-i key.txt", "attribute"),
        (["attribute", "log.csv.age", "--identity=key.txt"], "--identity key.txt", "attribute"),
        (["scenario", "validate", "s.yaml", "-i", "key.txt"], "-i key.txt", "scenario validate"),
        (["run", "classroom", "--debug"], "--debug", "run"),
    ],
)
def test_a_global_option_after_the_command_says_where_it_goes(
    argv: list[str], written: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = invoke(argv, capsys)
    assert code == 2 and out == ""
    last = " ".join(err.split()).rsplit("Error: ", 1)[-1]
    assert "is a global option: put it before the command" in last
    assert f"`tipoff {written} {command} ...`" in last
    assert "No such option" not in err


def test_before_the_command_it_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(["-i", "key.txt", "scenario", "list"], capsys)
    assert code == 0, err
    assert "classroom" in out


def test_other_unknown_options_keep_clicks_words(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = invoke(["attribute", "log.csv", "-z"], capsys)
    assert code == 2 and "No such option: -z" in err and "global option" not in err


def test_a_commands_own_identity_option_is_its_own(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `config --identity FILE` sets the default identity: not the global option
    code, _, err = invoke(["config", "--identity", str(tmp_path / "none.txt")], capsys)
    assert code == 2 and "no such file" in err and "global option" not in err

"""Encryption at rest: age outputs, transparent .age inputs, identities, settings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pyrage
import pytest
from typer.testing import CliRunner

from tipoff._config import Config, load_config, save_config
from tipoff._crypto import (
    Encryption,
    decrypt_if_encrypted,
    encryption_for,
    generate_identity,
    is_age,
    parse_recipients,
    read_identities,
    use_identities,
    use_prompt,
)
from tipoff.cli import app, main
from tipoff.errors import InputError, SettingsError, UsageError
from tipoff.results import read_incident_log
from tipoff.results._io import write_text_atomic
from tipoff.scenario import load_scenario

CLASSROOM = Path(__file__).resolve().parents[2] / "src/tipoff/scenario/presets/classroom.yaml"
runner = CliRunner()


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the console entry point: (exit code, stdout, stderr)."""
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _identity(tmp_path: Path, name: str = "key.txt") -> tuple[Path, str]:
    text, public = generate_identity()
    path = tmp_path / name
    path.write_text(text)
    return path, public


def test_recipient_output_is_age_and_reads_back_with_the_identity(tmp_path: Path) -> None:
    key, public = _identity(tmp_path)
    plain = CLASSROOM.read_text()
    written = write_text_atomic(
        tmp_path / "s.yaml", plain, encryption=Encryption(recipients=(public,))
    )
    assert written.name == "s.yaml.age"
    data = written.read_bytes()
    assert is_age(data) and b"classroom" not in data and b"Hoeryong" not in data
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    with use_identities([key]):
        assert load_scenario(written).name == load_scenario(CLASSROOM).name
    with pytest.raises(UsageError, match=r"with \$TIPOFF_IDENTITY=FILE \(or set it once"):
        load_scenario(written)  # no identity named: one clear line, in the library's words
    other, _ = _identity(tmp_path, "other.txt")
    with use_identities([other]), pytest.raises(InputError, match="cannot decrypt"):
        load_scenario(written)


def test_two_recipients_either_opens(tmp_path: Path) -> None:
    k1, p1 = _identity(tmp_path, "a.txt")
    k2, p2 = _identity(tmp_path, "b.txt")
    ct = Encryption(recipients=(p1, p2)).encrypt(b"secret")
    for key in (k1, k2):
        with use_identities([key]):
            assert decrypt_if_encrypted(ct, source="x") == b"secret"


def test_passphrase_output_uses_the_prompt_and_refuses_a_wrong_one(tmp_path: Path) -> None:
    answers = iter(["correct horse", "correct horse"])
    with use_prompt(lambda _p: next(answers)):
        enc = encryption_for(passphrase=True)
    assert enc is not None and "passphrase" in enc.describe() and "correct" not in repr(enc)
    ct = enc.encrypt(b"delivery,day\n")
    assert b"scrypt" in ct
    with use_prompt(lambda _p: "correct horse"):
        assert decrypt_if_encrypted(ct, source="log.csv.age") == b"delivery,day\n"
    with use_prompt(lambda _p: "wrong"), pytest.raises(InputError, match="cannot decrypt"):
        decrypt_if_encrypted(ct, source="log.csv.age")


def test_confirmation_must_match() -> None:
    answers = iter(["one", "two"])
    with use_prompt(lambda _p: next(answers)), pytest.raises(UsageError, match="differ"):
        encryption_for(passphrase=True)


def test_no_terminal_is_a_clear_error() -> None:
    ct = pyrage.passphrase.encrypt(b"x", "pw")
    with pytest.raises(UsageError, match="no terminal"):  # pytest's stdin is not a TTY
        decrypt_if_encrypted(ct, source="x.age")


def test_reference_age_tool_interoperates(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("age") is None:
        pytest.skip("the reference age tool is not installed (apt-get install age)")
    key, public = _identity(tmp_path)
    ct = tmp_path / "x.age"
    ct.write_bytes(Encryption(recipients=(public,)).encrypt(b"hello"))
    out = subprocess.run(["age", "-d", "-i", str(key), str(ct)], capture_output=True, check=True)
    assert out.stdout == b"hello"


def test_plaintext_passes_through_unchanged() -> None:
    assert decrypt_if_encrypted(b"id,day\n", source="x") == b"id,day\n"


def test_armored_input_is_recognised(tmp_path: Path) -> None:
    key, public = _identity(tmp_path)
    armored = pyrage.encrypt(b"x,y\n", [pyrage.x25519.Recipient.from_str(public)], armored=True)
    with use_identities([key]):
        assert decrypt_if_encrypted(armored, source="a") == b"x,y\n"


def test_malformed_recipient_is_refused_without_the_whole_key() -> None:
    with pytest.raises(UsageError, match="not an age recipient") as info:
        Encryption(recipients=("age1notakeyatallbutlongenoughtobecut",))
    assert "longenough" not in str(info.value)


def test_recipients_file_takes_public_keys_only(tmp_path: Path) -> None:
    text, public = generate_identity()
    assert parse_recipients(text) == (public,)
    assert parse_recipients(f"# team\n\n{public}\n") == (public,)


def test_settings_make_logs_encrypted_by_default(tmp_path: Path, own_settings: Path) -> None:
    _, public = _identity(tmp_path)
    assert encryption_for(default=True) is None
    save_config(Config(recipients=(public,)))
    assert stat.S_IMODE(own_settings.stat().st_mode) == 0o600
    enc = encryption_for(default=True)
    assert enc is not None and enc.recipients == (public,)
    assert encryption_for(default=False) is None
    assert encryption_for(default=True, no_encrypt=True) is None
    save_config(Config(recipients=(public,), encrypt_by_default=False))
    assert encryption_for(default=True) is None


def test_bad_settings_file_is_one_line(own_settings: Path) -> None:
    own_settings.parent.mkdir()
    own_settings.write_text("[encryption]\nrecipients = 3\n")
    with pytest.raises(SettingsError, match="list of strings"):
        load_config()
    own_settings.write_text("[encryption\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_config()


def test_keygen_cli_writes_0600_and_prints_the_recipient(
    tmp_path: Path, own_settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "me.txt"
    result = runner.invoke(app, ["keygen", "-o", str(key), "--configure"])
    assert result.exit_code == 0, result.output
    public = result.stdout.strip().splitlines()[0]
    assert public.startswith("age1")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "AGE-SECRET-KEY-1" not in result.stdout
    assert len(read_identities(key)) == 1
    config = load_config()
    assert config.recipients == (public,) and config.identity == str(key.resolve())
    code, _, err = cli(["keygen", "-o", str(key)], capsys)
    assert code == 2 and "never overwrites" in err


def test_passphrase_protected_identity(tmp_path: Path) -> None:
    key = tmp_path / "me.age"
    answers = iter(["pw1234", "pw1234"])
    with use_prompt(lambda _p: next(answers)):
        result = runner.invoke(app, ["keygen", "-o", str(key), "--passphrase"])
    assert result.exit_code == 0, result.output
    assert is_age(key.read_bytes())
    public = result.stdout.strip().splitlines()[0]
    ct = Encryption(recipients=(public,)).encrypt(b"ok")
    with use_identities([key]), use_prompt(lambda _p: "pw1234"):
        assert decrypt_if_encrypted(ct, source="x") == b"ok"


def test_run_writes_encrypted_log_and_truth_then_attribute_reads_them(
    tmp_path: Path, own_settings: Path
) -> None:
    key, public = _identity(tmp_path)
    assert runner.invoke(app, ["config", "--recipient", public]).exit_code == 0
    log, truth = tmp_path / "log.csv", tmp_path / "truth.json"
    result = runner.invoke(
        app,
        [
            "run",
            "classroom",
            "-n",
            "3",
            "--seed",
            "1",
            "--log-out",
            str(log),
            "--truth-out",
            str(truth),
        ],
    )
    assert result.exit_code == 0, result.output
    assert not log.exists() and not truth.exists()
    enc_log = tmp_path / "log.csv.age"
    assert is_age(enc_log.read_bytes()) and b"delivery" not in enc_log.read_bytes()
    assert is_age((tmp_path / "truth.json.age").read_bytes())
    with use_identities([key]):
        parsed = read_incident_log(enc_log)
    assert len(parsed.deliveries) > 0
    read = runner.invoke(
        app, ["--identity", str(key), "attribute", str(enc_log), "--scenario", "classroom"]
    )
    assert read.exit_code == 0, read.output
    plain = runner.invoke(
        app, ["run", "classroom", "-n", "3", "--seed", "1", "--log-out", str(log), "--no-encrypt"]
    )
    assert plain.exit_code == 0 and log.read_text().startswith("delivery")


def test_identity_option_does_not_leak_into_the_next_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, public = _identity(tmp_path)
    enc = tmp_path / "s.yaml.age"
    enc.write_bytes(Encryption(recipients=(public,)).encrypt(CLASSROOM.read_bytes()))
    ok = runner.invoke(app, ["--identity", str(key), "scenario", "validate", str(enc)])
    assert ok.exit_code == 0, ok.output
    code, _, err = cli(["scenario", "validate", str(enc)], capsys)
    assert code == 2 and "--identity" in err and "Traceback" not in err
    assert os.environ.get("TIPOFF_IDENTITY") is None


def test_config_place_and_refusal(own_settings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(["config", "--place", "Taepyong"], capsys)
    assert code == 0 and "Taepyong" in out and load_config().places == ("Taepyong",)
    code, out, err = cli(["config", "--place", "010 9876 5432"], capsys)
    assert code == 2 and "9876" not in out + err
    code, out, _ = cli(["config"], capsys)
    assert code == 0 and "encrypted by default: no" in out


def test_report_encrypted_to_a_recipient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, public = _identity(tmp_path)
    out = tmp_path / "r.html"
    args = ["report", "classroom", "-n", "2", "--seed", "1", "-o", str(out)]
    code, _, err = cli([*args, "--encrypt-to", public], capsys)
    assert code == 0 and not out.exists()
    data = (tmp_path / "r.html.age").read_bytes()
    assert is_age(data) and b"classroom" not in data and "age" in err
    with use_identities([key]):
        assert decrypt_if_encrypted(data, source="r").startswith(b"<!DOCTYPE html>")


def test_a_bad_settings_file_lists_every_problem_at_its_line(
    own_settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tipoff.cli import main
    from tipoff.errors import SettingsError

    own_settings.parent.mkdir(exist_ok=True)
    own_settings.write_text(
        '[encryption]\nrecipients = "age1x"\nidentity = 5\nfoo = 1\n[colour]\n', encoding="utf-8"
    )
    with pytest.raises(SettingsError) as info:
        load_config()
    assert [(p.line, p.path) for p in info.value.problems] == [
        (2, "encryption.recipients"),
        (3, "encryption.identity"),
        (4, "encryption.foo"),
        (5, "colour"),
    ]
    for bad, says in (
        (b"\xff\xfe", ":1:1: is not UTF-8 text"),
        (b"a = " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b"recipients = [1, 2", ":1:19: not valid TOML"),
    ):
        own_settings.write_bytes(bad)
        with pytest.raises(SystemExit) as exit_info:
            main(["run", "--runs", "2", "--seed", "1"])
        assert exit_info.value.code == 3
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err and "internal error" not in err
    own_settings.write_text('[privacy]\nplaces = ["+82 10 1234 5678"]\n', encoding="utf-8")
    for argv in (["config"], ["run", "--runs", "2", "--seed", "1"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 3
        captured = capsys.readouterr()
        assert "personal data" in captured.err and "1234" not in captured.out + captured.err


def test_a_recipient_that_is_not_a_key_is_never_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tipoff.cli import main

    listed = tmp_path / "team.txt"
    listed.write_text("+82 10 1234 5678\n", encoding="utf-8")
    for extra in (["--encrypt-to", "+82 10 1234 5678"], ["--recipients-file", str(listed)]):
        with pytest.raises(SystemExit) as info:
            main(["run", "--runs", "2", "--log-out", str(tmp_path / "l.csv.age"), *extra])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert "not an age recipient" in err and "1234" not in err


def test_an_encrypted_log_on_standard_output_is_said_on_stderr(tmp_path: Path) -> None:
    import subprocess
    import sys

    _, public = _identity(tmp_path)
    args = [sys.executable, "-m", "tipoff", "run", "classroom", "-n", "2", "--seed", "1"]
    args += ["--log-out", "-"]

    def run(*extra: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*args, *extra], capture_output=True, timeout=300, check=False, cwd=tmp_path
        )

    done = run("--encrypt-to", public)
    assert done.returncode == 0 and is_age(done.stdout)
    said = " ".join(done.stderr.decode().split())
    assert "wrote to standard output, encrypted to 1 recipient" in said and "--no-encrypt" in said
    plain = run("--no-encrypt")
    assert plain.returncode == 0 and plain.stdout.startswith(b"delivery,")
    assert b"standard output" not in plain.stderr  # plain text, as asked: nothing to say

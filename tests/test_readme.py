"""The README's Python example runs as written and prints what it computes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_section_code() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, "the Python section holds one example"
    return blocks[0]


def test_the_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {}
    exec(compile(_python_section_code(), str(README), "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2
    assert printed[0].startswith("as in the seed: ") and printed[1].startswith("half the ")

    import tipoff

    base = tipoff.load("north-hamgyong-spring")
    fewer = namespace["fewer"]
    assert isinstance(fewer, tipoff.Scenario)
    assert fewer.operation.recruitment.initial == base.operation.recruitment.initial / 2
    last = namespace["t"]
    assert f"{last.mean:.1f} deliveries intercepted a season" in printed[1]  # type: ignore[attr-defined]


def test_the_first_command_owns_up_to_the_one_time_compile() -> None:
    # a new user timed the first `tipoff run` at 30 s against the README's "a few seconds"
    from tipoff.engines.season._warmup import COMPILE_SECONDS

    intro = " ".join(README.read_text(encoding="utf-8").split("\n## ", 1)[0].split())
    if COMPILE_SECONDS > 5:
        assert "compiles the season engine, once" in intro


def test_the_paper_figure_is_the_higher_on_the_seed_scenario(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the README explains why `exposure` (0.14) and `run` (0.08) differ; a user compared them
    import json

    from tipoff.cli import main

    def doc(argv: list[str]) -> dict[str, object]:
        with pytest.raises(SystemExit) as done:
            main([*argv, "--json"])
        assert done.value.code in (0, None)
        return dict(json.loads(capsys.readouterr().out))

    paper = doc(["exposure"])["p_intercepted_per_delivery"]
    seasons = doc(["run", "--runs", "400", "--seed", "1"])["p_intercepted_per_delivery"]
    assert isinstance(paper, float) and isinstance(seasons, dict)
    assert seasons["pooled"] < paper
    intro = " ".join(README.read_text(encoding="utf-8").split())
    said = re.search(r"the higher \(about (0\.\d+) against (0\.\d+)\)", intro)
    assert said is not None
    assert abs(float(said[1]) - paper) < 0.006
    assert abs(float(said[2]) - seasons["pooled"]) < 0.015  # 400 seasons: a few standard errors


def test_every_tipoff_function_the_readme_names_exists() -> None:
    import importlib

    text = README.read_text(encoding="utf-8")
    named = set(re.findall(r"`(tipoff(?:\.\w+)+)\(", text))
    assert {"tipoff.sweep", "tipoff.calibrate", "tipoff.exposure"} <= named
    for dotted in sorted(named):
        module, _, name = dotted.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name)), dotted


def test_every_option_of_every_command_is_documented() -> None:
    # docs named neither `exposure --samples` nor `config --remove-recipient`; a user reading
    # only README.md and docs/ must be able to find each option (sweep's -o/--out excepted: its
    # page belongs to the sweep work)
    import typer.main

    from tipoff.cli import app

    docs = README.parent / "docs"
    text = " ".join(p.read_text(encoding="utf-8") for p in [README, *sorted(docs.glob("*.md"))])
    missing: list[str] = []

    def walk(command: object, path: str) -> None:
        for param in getattr(command, "params", []):
            for opt in param.opts:
                wanted = opt.startswith("--") and opt not in ("--help", "--version")
                if wanted and not re.search(rf"{re.escape(opt)}(?![\w-])", text):
                    missing.append(f"{path} {opt}")
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "tipoff")
    assert [m for m in missing if m != "tipoff sweep --out"] == []

"""The API reference's docstring conversion (docs/_griffe_rst.py), and the site's configuration."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _extension():  # type: ignore[no-untyped-def]
    pytest.importorskip("griffe")
    spec = importlib.util.spec_from_file_location("_griffe_rst", ROOT / "docs" / "_griffe_rst.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_roles_become_code_spans() -> None:
    md = _extension().markdown
    assert md("see :func:`tipoff.analysis.harden`.") == "see `tipoff.analysis.harden`."
    assert md(":class:`~tipoff.engines.SeasonOutput`") == "`SeasonOutput`"
    assert md(":meth:`Scenario.with_params <tipoff.scenario.Scenario.with_params>`") == (
        "`Scenario.with_params`"
    )
    assert md("``literal`` and `markdown`") == "``literal`` and `markdown`"


def test_math_directives_leave_their_formula_as_a_code_block() -> None:
    text = "The law:\n\n.. math::\n\n    p = 1 - (1 - e)\n\nDone."
    assert _extension().markdown(text) == "The law:\n\n\n    p = 1 - (1 - e)\n\nDone."


def test_every_guide_is_in_the_site_navigation() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    guides = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md"))
    missing = [g for g in guides if f": {g}\n" not in config]
    assert missing == [], f"add to mkdocs.yml's nav: {missing}"


def test_grouped_parameters_are_listed_one_by_one() -> None:
    text = (
        "Doc.\n\nParameters\n----------\nlog\n    The log.\nn_chains, n_warmup : int\n"
        "    Chains and\n    warm-up.\n\nseed\n    Seed.\n\nReturns\n-------\na, b\n    Pair.\n"
    )
    assert _extension().markdown(text) == (
        "Doc.\n\nParameters\n----------\nlog\n    The log.\nn_chains : int\n    Chains and\n"
        "    warm-up.\nn_warmup : int\n    Chains and\n    warm-up.\n\nseed\n    Seed.\n\n"
        "Returns\n-------\na, b\n    Pair.\n"
    )


def test_a_session_in_the_description_is_fenced_and_examples_are_left_to_griffe() -> None:
    text = "Intro.\n\n>>> 1 + 1\n2\n\nMore.\n\nExamples\n--------\n>>> 2 + 2\n4\n"
    assert _extension().markdown(text) == (
        "Intro.\n\n```pycon\n>>> 1 + 1\n2\n```\n\nMore.\n\nExamples\n--------\n>>> 2 + 2\n4\n"
    )
    assert _extension().markdown(">>> x = 1") == "```pycon\n>>> x = 1\n```"

"""Presets: package data listed and loaded by name; ``resolve_scenario`` tells paths from names."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_examples import MINIMAL

from tipoff.errors import ScenarioError
from tipoff.scenario import _presets as presets_module
from tipoff.scenario import list_presets, load_preset, preset_text, resolve_scenario


@pytest.fixture
def presets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(MINIMAL, encoding="utf-8")
    (folder / "broken.yaml").write_text(MINIMAL.replace("initial: 0.1", "initial: 3"))
    (folder / "notes.txt").write_text("not a preset")
    monkeypatch.setattr(presets_module, "_folder", lambda: folder)
    return folder


def test_list_presets(presets: Path) -> None:
    assert list_presets() == ["broken", "tiny"]


def test_load_preset(presets: Path) -> None:
    assert preset_text("tiny") == MINIMAL
    assert load_preset("tiny").name == "minimal"


def test_preset_problems_name_the_preset(presets: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_preset("broken")
    assert str(info.value).startswith("preset:broken:26:14: operation.recruitment.initial: ")


@pytest.mark.parametrize("name", ["nope", "../tiny", "notes", ""])
def test_unknown_preset(presets: Path, name: str) -> None:
    with pytest.raises(ScenarioError, match=r"no such preset \(presets: broken, tiny\)"):
        preset_text(name)


def test_resolve_scenario(presets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mine.yml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert resolve_scenario(str(path)).name == "minimal"
    assert resolve_scenario("tiny").name == "minimal"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plain").write_text(MINIMAL, encoding="utf-8")
    assert resolve_scenario("plain").name == "minimal"


def test_resolve_unknown(presets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        resolve_scenario("nothing")
    assert str(info.value) == "nothing: no such file or preset 'nothing' (presets: broken, tiny)"
    with pytest.raises(ScenarioError, match="no such file"):
        resolve_scenario("missing.yaml")
    with pytest.raises(ScenarioError, match="no such file"):
        resolve_scenario("sub/tiny")


def test_no_presets_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(presets_module, "_folder", lambda: tmp_path / "absent")
    assert list_presets() == []
    with pytest.raises(ScenarioError, match="none installed"):
        preset_text("x")


def test_installed_presets_are_listed_by_stem() -> None:
    names = list_presets()
    assert names == sorted(names)
    assert all("/" not in n and not n.endswith(".yaml") for n in names)

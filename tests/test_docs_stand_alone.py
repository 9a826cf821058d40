"""The documentation stands alone: it cites only what ships with tipoff, and its citations resolve.

Users get ``docs/`` and the package, nothing else: no page, docstring, preset comment or CLI string
may send them to the project's internal notes (``MODEL.md``, the domain-facts report, ``shared/``).
Every section sign (``§3.1``) in the docs, the sources and the presets must name a section that
``docs/sources.md`` has, and every relative link between doc pages must reach a file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [
    p
    for folder in ("src", "docs")
    for p in sorted((ROOT / folder).rglob("*"))
    if p.is_file() and p.suffix in {".py", ".md", ".yaml", ".yml", ".html", ".j2", ".txt"}
]
INTERNAL = re.compile(r"MODEL\.md|[Dd]omain[- ]facts|[Dd]omain notes|\.\./shared|/work/shared")


def test_nothing_shipped_cites_internal_notes() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in [*SHIPPED, ROOT / "README.md"]
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if INTERNAL.search(line)
    ]
    assert found == [], "\n".join(found)


def _sections() -> set[str]:
    """Section numbers of docs/sources.md: headings (0, 1.1, ...) and the numbered list of §7."""
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    numbers = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", text, flags=re.M))
    gaps = text[text.index("## 7.") :]
    numbers |= {f"7.{k}" for k in re.findall(r"^(\d+)\. ", gaps, flags=re.M)}
    return numbers


def test_sources_has_the_sections_cited_everywhere() -> None:
    sections = _sections()
    assert {"0", "1.1", "1.2", "1.3", "1.4", "2", "3.1", "3.5", "4", "5", "6", "7.7"} <= sections
    cited = {
        (f"{p.relative_to(ROOT)}", ref)
        for p in SHIPPED
        for ref in re.findall(r"§(\d+(?:\.\d+)?)", p.read_text(encoding="utf-8"))
    }
    missing = sorted((where, ref) for where, ref in cited if ref not in sections)
    assert missing == [], missing


def test_countermeasure_ids_are_in_the_sources_table() -> None:
    from tipoff.analysis.hardening import library
    from tipoff.scenario import load_preset

    table = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| (C\d+) \|", table, flags=re.M))
    assert listed == {f"C{k}" for k in range(1, 16)}
    used = {c for m in library(load_preset("north-hamgyong-spring")) for c in m.sources}
    assert used <= listed, used - listed


@pytest.mark.parametrize("page", sorted((ROOT / "docs").glob("*.md")), ids=lambda p: p.name)
def test_relative_links_between_pages_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", text):
        assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_model_page_covers_every_operation_parameter() -> None:
    from tipoff.scenario import param_paths

    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    operation = [p for p in param_paths() if p.startswith("operation.")]
    assert operation
    missing = [p for p in operation if f"`{p}`" not in text]
    assert missing == [], missing


def test_model_page_worked_example_matches_the_exact_engine(tmp_path: Path) -> None:
    """The YAML and the numbers of docs/model.md's worked example are what the engine computes."""
    from tipoff.analysis._exposure import exposure_report
    from tipoff.scenario import load_scenario

    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    example = re.search(r"### A worked example.*?```yaml\n(.*?)```", text, flags=re.S)
    assert example, "model.md lost its worked example"
    rho0, pi, a2, m, eps = 0.2, 0.8, 0.9, 0.2, 0.01
    cases = {
        "": 1 - (1 - eps) * (1 - rho0 * pi * a2),
        "handover: meeting_point\n": 1 - (1 - eps) * (1 - rho0 * pi * a2 * m),
        "lead_days: 1": eps,
    }
    for change, expected in cases.items():
        yaml = example.group(1)
        if change.startswith("lead_days"):
            yaml = yaml.replace("lead_days: 10", change)
        else:
            yaml += change
        path = tmp_path / "one.yaml"
        path.write_text(yaml, encoding="utf-8")
        report = exposure_report(load_scenario(path), method="exact")
        assert report.output.p_intercept[0] == pytest.approx(expected, abs=1e-12)
    for shown in ("0.15256", "0.038512", "P(intercepted) = 0.01", "per delivery 0.153"):
        assert shown in text


def test_quoted_fact_sheet_rows_exist() -> None:
    """A citation like §6 "Season window" names a row of the fact sheet in docs/sources.md §6."""
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    sheet = text[text.index("## 6.") : text.index("## 7.")]
    rows = [line.split("|")[1].strip() for line in sheet.splitlines() if line.startswith("| ")]
    quoted = {
        (f"{p.relative_to(ROOT)}", re.sub(r"\s*\n\s*#?\s*", " ", label))  # across comment lines
        for p in SHIPPED
        for label in re.findall(r'§6 "([^"]+)"', p.read_text(encoding="utf-8"))
    }
    assert quoted, "no quoted fact-sheet rows found"
    missing = sorted((where, q) for where, q in quoted if not any(r.startswith(q) for r in rows))
    assert missing == [], missing

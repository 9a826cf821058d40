"""The privacy guard against a corpus: every identifier refused, every ordinary sentence passed,
never an echo, linear time; homes limited to the gazetteer; ids that read as names refused."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from privacy_corpus import NAME_IDS, ORDINARY, REFUSED

from tipoff._config import Config, save_config
from tipoff.errors import ScenarioError
from tipoff.scenario import list_presets, load_preset, parse_scenario, preset_text
from tipoff.scenario._privacy import id_problem, place_problem, privacy_problem


def test_corpus_size() -> None:
    kinds = Counter(kind for kind, _ in REFUSED)
    assert len({text for _, text in REFUSED}) == len(REFUSED) >= 100
    assert len(kinds) >= 10 and len(ORDINARY) >= 50


@pytest.mark.parametrize(
    ("kind", "text"), REFUSED, ids=[f"{k}-{i}" for i, (k, _) in enumerate(REFUSED)]
)
def test_identifier_refused(kind: str, text: str) -> None:
    why = privacy_problem(text)
    assert why is not None, f"{kind} let through"
    assert text not in why and why.startswith("looks like ")


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_sentence_passes(text: str) -> None:
    assert privacy_problem(text) is None


def test_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """The figures in the report: refusals of identifiers and false refusals of sentences."""
    refused = sum(privacy_problem(t) is not None for _, t in REFUSED)
    names = sum(id_problem(t) is not None for t in NAME_IDS)
    false = sum(privacy_problem(t) is not None for t in ORDINARY)
    with capsys.disabled():
        print(
            f"\nprivacy corpus: {refused}/{len(REFUSED)} identifiers refused, "
            f"{names}/{len(NAME_IDS)} name-like ids refused, "
            f"{false}/{len(ORDINARY)} ordinary sentences falsely refused"
        )
    assert refused == len(REFUSED) and names == len(NAME_IDS) and false == 0


@pytest.mark.parametrize("text", NAME_IDS)
def test_name_ids_refused(text: str) -> None:
    why = id_problem(text)
    assert why is not None and text not in why


@pytest.mark.parametrize(
    "text",
    [
        "s001",
        "r1",
        "s001.f1",
        "c-hoeryong-2",
        "hoeryong-c1",
        "yanji-r3",
        "han-broker",
        "relay",
        "tumen",
        "broker-a",
        "k",
    ],
)
def test_pseudonym_ids_pass(text: str) -> None:
    assert id_problem(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Hoeryong",
        "hoeryong",
        "Hoeryŏng",
        "Hoeryong-si",
        "Hoeryong City",
        "회령",
        "회령시",
        "會寧",
        "Yanji",
        "延吉市",
        "Ji'an",
        "Musan county",
    ],
)
def test_gazetteer_places_pass(text: str) -> None:
    assert place_problem(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Osandok-dong",
        "Hoeryong Osandok-dong",
        "12 Main Street",
        "Atlantis",
        "the old mill",
        "회령시 오산덕동",
    ],
)
def test_other_places_refused(text: str) -> None:
    why = place_problem(text)
    assert why is not None and text not in why


def test_a_town_can_be_added_in_the_settings(tmp_path: Path) -> None:
    assert place_problem("Sinpo-ri") is not None  # not known (and shaped like a sub-town unit)
    assert place_problem("Chasong-up") is None  # a known county with its suffix
    assert place_problem("Taepyong") is not None
    save_config(Config(places=("Taepyong",)))
    assert place_problem("Taepyong") is None


def test_presets_pass_the_guard() -> None:
    for name in list_presets():
        assert load_preset(name).name


def test_scenario_home_outside_the_gazetteer_is_refused_without_echo() -> None:
    text = preset_text("classroom").replace("home: Musan", "home: Atlantis")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    message = str(info.value)
    assert "Atlantis" not in message and "not a town or county" in message
    assert message.count("\n") == 0  # one problem, one line


def test_phone_in_home_reported_once_without_echo() -> None:
    text = preset_text("classroom").replace("home: Musan", "home: '010 9876 5432'")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    message = str(info.value)
    assert "9876" not in message and message.count("looks like a phone number") == 1


def test_name_as_id_is_refused_in_a_scenario() -> None:
    text = (
        preset_text("classroom")
        .replace("id: c2,", "id: kim-yongho,")
        .replace("[c2]", "[kim-yongho]")
    )
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="s.yaml")
    assert "personal name" in str(info.value) and "yongho" not in str(info.value)


# ------------------------------------------------------------------------------- linear time --


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(5):  # the best of five: other processes share the machine
        start = time.perf_counter()
        privacy_problem(text)
        best = min(best, time.perf_counter() - start)
    return best


def test_digit_strings_take_proportional_time() -> None:
    """16,000 and 160,000 digits: well under a second, ten times the input about ten times the time."""
    t_small, t_large = _seconds("7" * 16_000), _seconds("7" * 160_000)
    assert t_large < 1.0, f"{t_large:.2f} s for 160,000 digits"
    assert t_large < 25 * t_small + 0.03, (t_small, t_large)  # quadratic would be 100x


@pytest.mark.parametrize(
    "unit",
    ["0 ", "010 ", "1-", "+8", "a@", "가", "路", "Kim ", "8Q6G+", "42.4344, ", "@ab", "QQ 1"],
)
def test_adversarial_inputs_take_proportional_time(unit: str) -> None:
    t_small = _seconds(unit * (16_000 // len(unit)))
    t_large = _seconds(unit * (160_000 // len(unit)))
    assert t_large < 3.0, f"{t_large:.2f} s for 160,000 characters"  # a loaded CI machine
    assert t_large < 25 * t_small + 0.05, (t_small, t_large)  # 10x the input; quadratic: 100x


def test_numbers_written_by_yaml_pass() -> None:
    """Floats and counts as a scenario writes them (probabilities, rates, amounts) are not ids."""
    import random

    rng = random.Random(7)
    values = [repr(rng.random() * 10 ** rng.randint(-6, 6)) for _ in range(2000)]
    values += [str(rng.randint(0, 10**9)) for _ in range(500)]
    values += [f"{rng.random():.15f}" for _ in range(500)]
    refused = [v for v in values if privacy_problem(v) is not None]
    # a bare 11-digit integer starting 13-19 is a Chinese mobile number and is refused; none here
    assert refused == []


def test_a_misspelt_town_gets_the_gazetteers_name_never_the_value_back() -> None:
    from tipoff.scenario._privacy import place_problem

    why = place_problem("Hoeryng") or ""
    assert "did you mean 'Hoeryong'?" in why and "Hoeryng" not in why
    why = place_problem("Zzzville") or ""
    assert why.startswith("is not a town") and "did you mean" not in why and "Zzz" not in why

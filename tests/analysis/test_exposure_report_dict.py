"""ExposureReport.to_dict: a JSON document like the other results', its sentences in words."""

from __future__ import annotations

import json

from tipoff.analysis import exposure_report, route_count
from tipoff.analysis._step_words import ITEM_WORDS, step_words
from tipoff.scenario import load_preset


def test_to_dict_is_json_and_names_every_row() -> None:
    scenario = load_preset("classroom")
    report = exposure_report(scenario)
    doc = report.to_dict()
    json.dumps(doc, allow_nan=False)
    assert len(doc["deliveries"]) == len(report.output.deliveries)
    assert doc["routes"] == route_count(report.model)
    assert doc["provenance"] == report.output.provenance.to_dict()
    assert doc["advice"] == report.advice
    for s, step in zip(doc["steps"], scenario.protocol, strict=True):
        assert s["items"] == [i.value for i in step.items]
        assert s["label"] == step_words(step.from_, step.to, s["items"], step.lead_days)


def test_advice_and_labels_never_use_item_keys() -> None:
    for name in ("classroom", "north-hamgyong-spring"):
        report = exposure_report(load_preset(name))
        for text in (report.advice, *(s.label for s in report.steps)):
            assert not any(key in text for key in ITEM_WORDS if "_" in key), text

"""docs/metrics.md is the user's copy of the registry: a registered metric missing from it fails here."""
from pathlib import Path

import pytest

from analytics.measures.registry import REGISTRY
from analytics.present.metric_docs import docs_markdown

DOCS = (Path(__file__).resolve().parent.parent / "docs" / "metrics.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_metric_is_documented_with_its_definition(name):
    metric = REGISTRY[name]
    assert f"`{name}`" in DOCS, f"{name} is missing from docs/metrics.md; regenerate it from docs_markdown()"
    assert metric.described() in DOCS, f"the definition of {name} in docs/metrics.md is out of date"


def test_docs_are_the_generated_text():
    assert DOCS == docs_markdown(), "docs/metrics.md differs from analytics.present.metric_docs.docs_markdown(); regenerate it"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_entries_are_complete(name):
    metric = REGISTRY[name]
    assert metric.label and metric.definition.endswith(".") and callable(metric.compute)
    assert metric.section in ("satisfaction", "engagement", "retention", "outcomes")
    assert metric.grain in ("pair", "survey", "employee", "goal")

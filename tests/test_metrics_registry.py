"""The registry's declarations: each metric says which way is better and where the metrics JSON holds it (checked on
the demo database), and a definition naming a setting reads it where it is shown."""
from functools import partial

import pytest

from analytics.measures import objectives
from analytics.measures.declaration import json_value
from analytics.measures.filters import Filters, Period
from analytics.measures.metrics import metrics_json
from analytics.measures.registry import REGISTRY, TARGETABLE
from analytics.store import connection, settings
from tests.builders import fresh

QUARTER = Period.parse("2026Q2")


@pytest.fixture(scope="module")
def demo_json(demo_file):
    con = connection.connect(demo_file, read_only=True)
    yield con, metrics_json(con, QUARTER, Filters())
    con.close()


@pytest.mark.parametrize("name", sorted(TARGETABLE))
def test_each_json_path_holds_the_metrics_own_figure(demo_json, name):
    con, document = demo_json
    metric = TARGETABLE[name]
    assert metric.direction in ("higher", "lower")
    found, computed = json_value(document, metric.json_path), metric.value(con, QUARTER, Filters())
    assert found == pytest.approx(computed) if computed is not None else found is None


@pytest.mark.parametrize("path, missing", [("satisfaction.nope", "no 'nope'"),
                                           ("retention.pair_survival[month=6].survival", "have no 'month'"),
                                           ("satisfaction.nps.value.more", "no 'more'")])
def test_a_path_to_nothing_names_the_missing_step(demo_json, path, missing):
    with pytest.raises(KeyError, match=missing):
        json_value(demo_json[1], path)


def test_a_list_without_the_item_holds_no_figure(demo_json):
    assert json_value(demo_json[1], "retention.pair_survival[months=7].survival") is None


@pytest.mark.parametrize("days", [45, 30])
def test_the_at_risk_definition_reads_the_setting(days):
    con = fresh()
    settings.set(con, "at_risk_days", days)
    text = REGISTRY["at_risk_pairs"].described(partial(settings.get, con))
    assert f"at least {days} days" in text and f"last {days} days" in text and "{" not in text


def test_definitions_name_only_known_settings():
    assert all("{" not in metric.described() for metric in TARGETABLE.values())


@pytest.mark.parametrize("name, direction", [("nps", "at_least"), ("cancellation_rate", "at_most"),
                                             ("at_risk_pairs", "at_most"), ("retention_effect_12m", "at_least")])
def test_an_objective_defaults_to_the_better_direction(name, direction):
    con = fresh()
    objective_id = objectives.add_objective(con, metric=name, target=1)
    assert objectives.get_objective(con, objective_id)["direction"] == direction

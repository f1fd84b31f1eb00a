"""Charts drawn as PNG images by kaleido, at the size the report lays them out."""
from __future__ import annotations

import io

import plotly.graph_objects as go
import pytest
from PIL import Image

from analytics.report import images
from tests.conftest import blank_png


@pytest.mark.parametrize("heights", [[None, 300]])
def test_each_chart_is_drawn_at_its_size_and_shows_something(drawn_charts, heights):
    figures = [go.Figure(go.Bar(x=["a", "b"], y=[3, 5]), layout={"height": h}) for h in heights]
    drawn = images.chart_images(figures)
    # 900 px wide at 2× scale; the default height 400, else the figure's own.
    sizes = [(1800, 800), (1800, 600)]
    assert [Image.open(io.BytesIO(png)).size for png in drawn] == sizes
    assert all(png != blank_png(*size) for png, size in zip(drawn, sizes))
    assert all(len(set(Image.open(io.BytesIO(png)).convert("L").getdata())) > 2 for png in drawn)


def test_no_figures_start_no_browser(drawn_charts, monkeypatch):
    monkeypatch.setattr(images, "_draw", lambda figures: pytest.fail("a browser was started"))
    assert images.chart_images([]) == []

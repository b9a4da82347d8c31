"""The per-year chart is drawn offline in PNG, SVG and self-contained HTML."""

from __future__ import annotations

import re

from salvo.charts import per_year_chart, save_chart

ROWS = [
    {"year": 2020, "munition": "rocket", "count": 23}, {"year": 2020, "munition": "uav", "count": 3},
    {"year": 2021, "munition": "uav", "count": 10}, {"year": 2021, "munition": "rocket", "count": 10},
]


def test_chart_files_are_written_without_the_network(tmp_path):
    chart = per_year_chart(ROWS, title="Munitions fired per year", subtitle="unknown counts as 1",
                           source="Source: test data")
    paths = save_chart(chart, tmp_path)
    assert [p.name for p in paths] == ["per-year.png", "per-year.svg", "per-year.html"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = paths[1].read_text(encoding="utf-8")
    for text in ("Munitions fired per year", "Drone (UAV)", "Rocket", "Year", "Projectiles fired", "Source: test data"):
        assert text in svg
    html = paths[2].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html), "the HTML must embed its scripts"
    assert "Munitions fired per year" in html


def test_chart_spec_stacks_by_munition_in_codebook_order():
    spec = per_year_chart(ROWS, title="t").to_dict()
    color = spec["layer"][0]["encoding"]["color"]
    assert color["scale"]["domain"] == ["Drone (UAV)", "Rocket"]
    assert spec["layer"][0]["encoding"]["y"]["aggregate"] == "sum"


def test_a_year_without_attacks_keeps_its_place():
    rows = [{"year": 2021, "munition": "uav", "count": 3}, {"year": 2023, "munition": "uav", "count": 5}]
    spec = per_year_chart(rows, title="t").to_dict()
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == ["2021", "2022", "2023"]


def test_html_holds_any_title_as_data_not_markup(tmp_path):
    from tests.test_output_safety import MARKUP, Outline, chart_spec

    chart = per_year_chart(ROWS, title=MARKUP, subtitle=MARKUP, source=MARKUP)
    html = save_chart(chart, tmp_path, formats=("html",))[0].read_text(encoding="utf-8")
    assert [tag for tag in Outline(html).tags if tag == "script"] == ["script", "script"]
    assert "</script><script>" not in html
    title = chart_spec(html)["vconcat"][0]["title"]
    assert (title["text"], title["subtitle"]) == (MARKUP, [MARKUP])

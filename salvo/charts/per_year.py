"""The standard chart of this field: munitions fired per year, stacked by munition type.

It is drawn from the rows of a ``by=["year", "munition"]`` statistic, so the
chart shows exactly the figures the table prints. PNG and SVG are rendered by
vl-convert and the HTML file embeds the Vega libraries, so nothing is fetched
from the internet to draw or to view it. Titles, source lines and labels may hold
any text: Vega draws them as text, and the HTML file embeds the specification as
script-safe JSON, so no text can end its script block or add markup.
"""

from __future__ import annotations

from pathlib import Path

from salvo import codebook
from salvo.safe_text import ScriptJSONEncoder

# One colour per munition type, in codebook order; chosen to stay apart in print and for colour-blind readers.
PALETTE = {
    "uav": "#d62728", "rocket": "#1f77b4", "mortar": "#7f7f7f", "ballistic_missile": "#ff7f0e",
    "cruise_missile": "#9467bd", "anti_ship_missile": "#17becf", "ied": "#8c564b", "small_arms": "#bcbd22",
    "unknown": "#c7c7c7",
}
FORMATS = ("png", "svg", "html")


def per_year_chart(rows: list[dict], *, title: str, subtitle: str = "", source: str = "", unit: str = "projectiles"):
    """A stacked bar chart (Altair) of counts per year by munition type, with legend and source line."""
    import altair as alt

    vocab = codebook.vocabulary("munition_type")
    present = [code for code in vocab.codes if any(r["munition"] == code for r in rows)]
    data = [
        {"year": str(r["year"]), "munition": vocab.label(r["munition"]), "count": r["count"],
         "order": vocab.order(r["munition"])}
        for r in rows if r.get("year") is not None
    ]
    labels = [vocab.label(code) for code in present]
    known = [int(d["year"]) for d in data]
    # Every year in the range gets its place on the axis, so a year without attacks shows as one.
    years = [str(y) for y in range(min(known), max(known) + 1)] if known else []
    colours = [PALETTE.get(code, "#999999") for code in present]
    axis_title = "Projectiles fired" if unit == "projectiles" else "Incidents"
    bars = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0), scale=alt.Scale(domain=years)),
        y=alt.Y("sum(count):Q", title=axis_title),
        color=alt.Color("munition:N", title="Munition type",
                        scale=alt.Scale(domain=labels, range=colours), sort=labels),
        order=alt.Order("order:Q", sort="ascending"),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("munition:N", title="Munition"),
                 alt.Tooltip("sum(count):Q", title=axis_title)],
    )
    totals = alt.Chart(alt.Data(values=data)).mark_text(dy=-6, fontSize=11, color="#333").encode(
        x=alt.X("year:O", scale=alt.Scale(domain=years)), y=alt.Y("sum(count):Q"), text=alt.Text("sum(count):Q"),
    )
    chart = (bars + totals).properties(
        width=max(360, 60 * len(years)), height=320,
        title=alt.TitleParams(text=title, subtitle=[subtitle] if subtitle else [], anchor="start"),
    )
    if source:
        caption = alt.Chart(alt.Data(values=[{"t": source}])).mark_text(
            align="left", baseline="top", fontSize=10, color="#555").encode(
            text="t:N", x=alt.value(0), y=alt.value(0))
        chart = alt.vconcat(chart, caption.properties(width=chart.width, height=14)).configure_view(strokeWidth=0)
    return chart


def save_chart(chart, out_dir: Path, name: str = "per-year", formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the chart as PNG, SVG and self-contained HTML; returns the paths written.

    The HTML file carries the chart's specification inside a ``<script>`` element, written
    as script-safe JSON (safe_text.ScriptJSONEncoder): Altair would write a title such as
    ``</script><script>...`` as it is, ending the element and running what follows.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = out_dir / f"{name}.{fmt}"
        if fmt == "html":
            chart.save(str(path), format="html", inline=True, json_kwds={"cls": ScriptJSONEncoder})
        elif fmt == "png":
            chart.save(str(path), format="png", scale_factor=2)
        else:
            chart.save(str(path), format=fmt)
        written.append(path)
    return written

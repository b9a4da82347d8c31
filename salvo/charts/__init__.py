"""Charts: Vega-Lite specifications drawn with Altair and rendered offline by vl-convert."""

from salvo.charts.per_year import per_year_chart, save_chart

__all__ = ["per_year_chart", "save_chart"]

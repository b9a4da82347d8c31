"""Linking: the reports of one event, from any number of sources, become one incident.

The stage reads reports from the store, finds candidate pairs by blocking,
scores them with a Fellegi–Sunter model whose comparisons, parameters and
thresholds are a settings file (``settings.yaml``), groups them under the
datasets' and analysts' constraints, and writes incidents whose values are
derived from their reports by stated rules (docs/linking.md).

>>> from salvo.link import load_settings
>>> load_settings().link_threshold
0.9
"""

from __future__ import annotations

from salvo.link.linker import LinkSummary, link, new_id
from salvo.link.pipeline import cluster_records
from salvo.link.review import ReviewItem, decide, pending, undo
from salvo.link.settings import Settings, SettingsError, load_settings

__all__ = ["LinkSummary", "ReviewItem", "Settings", "SettingsError", "cluster_records", "decide", "link",
           "load_settings", "new_id", "pending", "undo"]

"""`salvo sources`: which datasets report which incidents, and where their counts disagree.

Hand-made reports, linked by the linker on both backends (the two cross-dataset pairs, which it
queues for review because their counts or munition types differ, accepted as an analyst would):

  E1  Tower 22, 2024-01-28      acled [uav 3, rocket 2]   gtd [uav 5, rocket 2]   -> uav differs, rocket agrees
  E2  Ain al-Asad, 2024-03-02   acled [rocket 4]                                  -> acled only
  E3  Harir, 2023-11-20         ucdp-ged [uav 1]                                  -> ucdp-ged only
  E4  Erbil airport, 2023-10-18 gtd [uav 2]   ucdp-ged [uav 2, rocket ?]          -> uav agrees (no rocket figure)
  N1  Ain al-Asad, 2024-05-05   news [rocket 6]                                   -> a candidate
  X1  Harir, 2022-06-01         ucdp-ged [uav 1], out of scope

Worked out by hand (counted incidents E1-E4):
  acled: 2 incidents, 1 only (E2); gtd: 2, 0 only; ucdp-ged: 2, 1 only (E3)
  shared: acled-gtd 1 (E1), gtd-ucdp-ged 1 (E4), acled-ucdp-ged 0
  counts compared: (E1, uav) differ, (E1, rocket) agree, (E4, uav) agree -> 3 compared, 2 agree, 1 differs
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from rich.console import Console

from salvo.analysis import Filters
from salvo.analysis.sources import source_overlap, stated_counts
from salvo.link import decide, link
from salvo.render_sources import sources_table
from tests.link.reports import AIN_AL_ASAD, TOWER_22, add, incident_of, report, report_id

HARIR = {"place_id": "harir_air_base", "latitude": 36.534, "longitude": 44.342, "location_precision": "site",
         "country": "IQ", "location": "Harir Air Base"}
ERBIL = {"place_id": "erbil_international_airport", "latitude": 36.2376, "longitude": 43.9632,
         "location_precision": "site", "country": "IQ", "location": "Erbil International Airport"}
IRI = {"actor_id": "islamic_resistance_in_iraq", "target_category": "us_military"}

REPORTS = [
    report("acled", "A1", "2024-01-28", TOWER_22, [("uav", 3), ("rocket", 2)], killed=3, **IRI),
    report("gtd", "G1", "2024-01-28", TOWER_22, [("uav", 5), ("rocket", 2)], killed=3, **IRI),
    report("acled", "A2", "2024-03-02", AIN_AL_ASAD, [("rocket", 4)], **IRI),
    report("ucdp-ged", "U1", "2023-11-20", HARIR, [("uav", 1)], **IRI),
    report("gtd", "G2", "2023-10-18", ERBIL, [("uav", 2)], **IRI),
    report("ucdp-ged", "U2", "2023-10-18", ERBIL, [("uav", 2), ("rocket", None)], **IRI),
    report("news", "n1#0", "2024-05-05", AIN_AL_ASAD, [("rocket", 6)], evidence={"article": "n1"}, **IRI),
    report("ucdp-ged", "X1", "2022-06-01", HARIR, [("uav", 1)], in_scope=False, **IRI),
]


@pytest.fixture
def linked(store):
    add(store, *REPORTS)
    link(store)
    for first, second in ((("acled", "A1"), ("gtd", "G1")), (("gtd", "G2"), ("ucdp-ged", "U2"))):
        decide(store, accept=True, user="analyst", reason="one attack",
               reports=(report_id(store, *first), report_id(store, *second)))
    assert incident_of(store, "acled", "A1") == incident_of(store, "gtd", "G1")
    assert incident_of(store, "gtd", "G2") == incident_of(store, "ucdp-ged", "U2")
    assert len({incident_of(store, r.dataset, r.row_key) for r in REPORTS}) == 6
    return store


def coverage(result):
    return {d.dataset: (d.incidents, d.only, d.reports) for d in result.datasets}


def pairs(result):
    return {(p.first, p.second): (p.shared, p.compared, p.agree, p.differ) for p in result.pairs}


def test_per_dataset_shared_and_count_disagreements(linked):
    result = source_overlap(linked, Filters())
    assert (result.incidents, result.without_reports) == (4, 0)
    assert coverage(result) == {"acled": (2, 1, 2), "gtd": (2, 0, 2), "ucdp-ged": (2, 1, 2)}
    assert [d.dataset for d in result.datasets] == ["acled", "gtd", "ucdp-ged"]
    assert result.shared == {"acled": {"gtd": 1, "ucdp-ged": 0}, "gtd": {"acled": 1, "ucdp-ged": 1},
                             "ucdp-ged": {"acled": 0, "gtd": 1}}
    assert pairs(result) == {("acled", "gtd"): (1, 2, 1, 1), ("gtd", "ucdp-ged"): (1, 1, 1, 0)}
    assert (result.compared, result.agree, result.differ) == (3, 2, 1)
    [disagreement] = result.disagreements
    assert disagreement.incident_id == incident_of(linked, "acled", "A1")
    assert (disagreement.date, disagreement.munition) == (dt.date(2024, 1, 28), "uav")
    assert disagreement.figures == {"acled": 3, "gtd": 5}


def test_filters_and_period_select_the_incidents(linked):
    result = source_overlap(linked, Filters(year=[2023]))
    assert result.incidents == 2
    assert coverage(result) == {"ucdp-ged": (2, 1, 2), "gtd": (1, 0, 1)}
    assert pairs(result) == {("ucdp-ged", "gtd"): (1, 1, 1, 0)}
    assert (result.compared, result.agree, result.differ, result.disagreements) == (1, 1, 0, [])
    january = source_overlap(linked, Filters(since=dt.date(2024, 1, 1), until=dt.date(2024, 1, 31),
                                             munition=["uav"]))
    assert (january.incidents, january.differ) == (1, 1)


def test_candidates_and_out_of_scope_incidents_only_when_asked(linked):
    with_candidates = source_overlap(linked, Filters(include_candidates=True))
    assert with_candidates.incidents == 5
    assert coverage(with_candidates)["news"] == (1, 1, 1)
    everything = source_overlap(linked, Filters(include_candidates=True), out_of_scope=True)
    assert everything.incidents == 6
    assert coverage(everything)["ucdp-ged"] == (3, 2, 3)
    assert source_overlap(linked, Filters(year=[2022]), out_of_scope=True).incidents == 1
    assert source_overlap(linked, Filters(year=[2022])).incidents == 0


def test_withdrawn_reports_take_no_part(linked):
    from sqlalchemy import update

    from salvo.model import Report

    with linked.session() as session:
        session.execute(update(Report).where(Report.dataset == "gtd", Report.row_key == "G1").values(withdrawn=True))
    result = source_overlap(linked, Filters())
    assert coverage(result)["acled"] == (2, 2, 2)
    assert (result.compared, result.differ) == (1, 0)


def test_an_empty_selection():
    from salvo.storage import connect

    store = connect("sqlite:///:memory:")
    result = source_overlap(store, Filters())
    assert (result.incidents, result.datasets, result.pairs, result.disagreements) == (0, [], [], [])


def test_a_datasets_figure_is_the_largest_its_reports_state():
    rows = [{"dataset": "gtd", "munitions": [{"munition_type": "uav", "count": 2}]},
            {"dataset": "gtd", "munitions": [{"munition_type": "uav", "count": 4}, {"munition_type": "rocket"}]},
            {"dataset": "acled", "munitions": [{"munition_type": "uav", "count": None}]},
            {"dataset": "ucdp-ged", "munitions": None}]
    assert stated_counts(rows) == {"uav": {"gtd": 4}}


def test_json_and_table(linked):
    result = source_overlap(linked, Filters())
    data = json.loads(json.dumps(result.to_json()))
    assert data["disagreements"][0]["date"] == "2024-01-28"
    assert data["disagreements"][0]["figures"] == {"acled": 3, "gtd": 5}
    assert data["datasets"][0] == {"dataset": "acled", "incidents": 2, "only": 1, "reports": 2}
    buffer = io.StringIO()
    sources_table(result, Console(file=buffer, width=160))
    text = buffer.getvalue()
    for expected in ("acled", "gtd", "ucdp-ged", "Only this dataset", "With gtd", "Agree", "Drone (UAV)",
                     "acled 3, gtd 5"):
        assert expected in text

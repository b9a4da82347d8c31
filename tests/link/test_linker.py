"""`salvo link` on a store: stable ids, decisions that hold, overrides, incremental runs, derived values.

Every test runs on SQLite and, with SALVO_TEST_POSTGRES_URL, on PostgreSQL.
The reports are hand-made: the Tower 22 drone attack of 28 January 2024 as a
curated dataset row (UCDP-shaped) and as news candidates, and an unrelated
rocket attack on Ain al-Asad.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from salvo.link import decide, link
from salvo.link.linker import override
from salvo.model import Incident
from salvo.storage.linked import incident_detail, incidents_with_conflicts, resolve_incident
from tests.link.reports import AIN_AL_ASAD, TOWER_22, add, incident_of, report, report_id

UCDP = report("ucdp-ged", "U1", "2024-01-28", TOWER_22, [("uav", 1)], killed=3, target_category="us_military",
              actor_id="islamic_resistance_in_iraq")
NEWS = report("news", "a1#0", "2024-01-28", TOWER_22, [("uav", 1)], killed=3, target_category="us_military",
              evidence={"article": "a1"}, url="https://example.org/a1")
ROCKETS = report("news", "a2#0", "2024-03-02", AIN_AL_ASAD, [("rocket", 4)], target_category="us_military",
                 evidence={"article": "a2"})


def incident(store, incident_id: str) -> Incident:
    with store.session() as session:
        return session.get(Incident, incident_id)


def test_reports_of_one_event_become_one_incident_whose_id_survives_relinks(store):
    add(store, UCDP)
    first = link(store)
    assert (first.incidents_added, first.focus) == (1, 1)
    tower = incident_of(store, "ucdp-ged", "U1")
    add(store, NEWS, source="news.jsonl")
    second = link(store)
    assert incident_of(store, "news", "a1#0") == tower
    assert (second.incidents_added, second.incidents_updated) == (0, 1)
    again = link(store)
    assert (again.focus, again.incidents_added, again.incidents_updated) == (0, 0, 0)
    link(store, full=True)
    assert incident_of(store, "ucdp-ged", "U1") == incident_of(store, "news", "a1#0") == tower


def test_incremental_run_touches_only_the_new_reports_incidents(store):
    add(store, UCDP, NEWS)
    link(store)
    tower = incident_of(store, "ucdp-ged", "U1")
    version = incident(store, tower).version
    add(store, ROCKETS, source="more.jsonl")
    summary = link(store)
    assert summary.focus == 1
    assert (summary.incidents_added, summary.incidents_updated) == (1, 0)
    assert incident(store, tower).version == version
    assert incident_of(store, "news", "a2#0") != tower


def test_a_rejected_pair_is_never_linked_again(store):
    add(store, UCDP, NEWS)
    link(store)
    tower = incident_of(store, "ucdp-ged", "U1")
    assert incident_of(store, "news", "a1#0") == tower
    pair = (report_id(store, "ucdp-ged", "U1"), report_id(store, "news", "a1#0"))
    _, summary = decide(store, accept=False, user="analyst", reason="different attacks", reports=pair)
    assert summary.splits == [{"kept": tower, "split_off": [incident_of(store, "news", "a1#0")]}]
    assert incident_of(store, "ucdp-ged", "U1") == tower
    assert incident_of(store, "news", "a1#0") != tower
    link(store, full=True)
    assert incident_of(store, "news", "a1#0") != incident_of(store, "ucdp-ged", "U1") == tower


def test_accepting_a_pair_merges_two_incidents_and_the_old_id_still_resolves(store):
    # Too vague for the linker (another country's name, a month, rockets): an analyst knows better.
    vague = report("news", "a3#0", "2024-01", {"country": "SY"}, [("rocket", None)], date_precision="month",
                   evidence={"article": "a3"})
    add(store, UCDP, vague)
    link(store)
    tower, other = incident_of(store, "ucdp-ged", "U1"), incident_of(store, "news", "a3#0")
    assert tower != other
    pair = (report_id(store, "ucdp-ged", "U1"), report_id(store, "news", "a3#0"))
    _, summary = decide(store, accept=True, user="analyst", reason="same attack", reports=pair)
    assert summary.incidents_merged == 1
    assert incident_of(store, "news", "a3#0") == tower
    assert incident(store, other).merged_into == tower
    with store.session() as session:
        assert resolve_incident(session, other) == tower
        assert incident_detail(session, other)["resolved_from"] == other


def test_an_override_wins_over_the_rule_and_survives_relinks(store):
    add(store, UCDP)
    link(store)
    tower = incident_of(store, "ucdp-ged", "U1")
    override(store, tower, "killed", 4, user="analyst", reason="later DoD statement")
    assert incident(store, tower).killed == 4
    add(store, NEWS, source="news.jsonl")
    link(store)
    link(store, full=True)
    row = incident(store, tower)
    assert row.killed == 4
    assert row.derivation["killed"] == {"rule": "analyst override"}


def test_dates_that_disagree_beyond_their_precision_are_a_conflict(store):
    late = report("news", "a4#0", "2024-01-30", TOWER_22, [("uav", 1)], killed=3, target_category="us_military",
                  evidence={"article": "a4"})
    add(store, UCDP, late)
    link(store)
    tower = incident_of(store, "ucdp-ged", "U1")
    assert incident_of(store, "news", "a4#0") == tower
    row = incident(store, tower)
    assert row.date == dt.date(2024, 1, 28)
    assert [c["field"] for c in row.conflicts] == ["date"]
    with store.session() as session:
        assert tower in incidents_with_conflicts(session)


def test_the_claims_ledger_gives_the_attribution_level(store):
    claim = report("news", "a5#0", "2024-01-28", TOWER_22, [("uav", 1)], killed=3, target_category="us_military",
                   attribution="claimed", actor_id="islamic_resistance_in_iraq",
                   actor_name="Islamic Resistance in Iraq", evidence={"article": "a5"})
    official = report("news", "a6#0", "2024-01-28", TOWER_22, [("uav", 1)], killed=3,
                      target_category="us_military", attribution="attributed_by_officials",
                      actor_id="kataib_hezbollah", actor_name="Kata'ib Hezbollah", evidence={"article": "a6"})
    add(store, official, claim)
    link(store)
    tower = incident_of(store, "news", "a5#0")
    assert incident_of(store, "news", "a6#0") == tower
    row = incident(store, tower)
    assert (row.attribution, row.actor_id) == ("claimed", "islamic_resistance_in_iraq")
    with store.session() as session:
        ledger = incident_detail(session, tower)["claims"]
    assert sorted((c["kind"], c["actor_id"]) for c in ledger) == [
        ("attribution", "kataib_hezbollah"), ("claim", "islamic_resistance_in_iraq")]


def test_the_trust_policy_decides_status(store):
    add(store, NEWS)
    link(store)
    tower = incident_of(store, "news", "a1#0")
    assert incident(store, tower).status == "candidate"
    add(store, UCDP, source="ged.csv")
    link(store)
    assert incident_of(store, "ucdp-ged", "U1") == tower
    assert incident(store, tower).status == "reviewed"


def test_two_incidents_of_one_article_are_never_one(store):
    twin = report("news", "a1#1", "2024-01-28", TOWER_22, [("uav", 1)], killed=3, target_category="us_military",
                  evidence={"article": "a1"})
    add(store, NEWS, twin)
    summary = link(store)
    assert summary.refused_by_rules == 0  # never even scored: blocking drops the pair
    assert incident_of(store, "news", "a1#0") != incident_of(store, "news", "a1#1")


def test_out_of_scope_reports_are_linked_but_not_counted(store):
    from salvo.analysis import Filters, stats

    outside = report("news", "a7#0", "2024-02-01", AIN_AL_ASAD, [("rocket", 2)], evidence={"article": "a7"},
                     in_scope=False)
    add(store, UCDP, outside)
    link(store)
    assert incident(store, incident_of(store, "news", "a7#0")).in_scope is False
    result = stats(store, by=["year"], filters=Filters(include_candidates=True))
    assert result.rows == [{"year": 2024, "count": 1}]


def test_a_withdrawn_report_leaves_its_incident(store):
    from salvo.storage.bulk_reports import withdraw_missing

    add(store, NEWS)
    link(store)
    tower = incident_of(store, "news", "a1#0")
    with store.session() as session:
        withdraw_missing(session, "news", "test-reports.csv", set())
    link(store)
    assert incident_of(store, "news", "a1#0") is None
    assert incident(store, tower).status == "rejected"
    with store.session() as session:
        assert session.scalars(select(Incident.id).where(Incident.id == tower)).one() == tower


def test_an_incremental_run_reuses_the_prior_and_u_fitted_by_the_last_run(store):
    many = [report("news", f"b{n}#0", f"2024-02-{n + 1:02d}", AIN_AL_ASAD, [("rocket", n + 1)],
                   evidence={"article": f"b{n}"}) for n in range(20)]
    add(store, UCDP, *many)
    first = link(store)
    add(store, NEWS, source="news.jsonl")
    second = link(store)
    assert second.calibration == first.calibration  # 22 reports against 21: within a tenth
    assert incident_of(store, "news", "a1#0") == incident_of(store, "ucdp-ged", "U1")
    more = [report("news", f"c{n}#0", f"2024-03-{n + 1:02d}", AIN_AL_ASAD, [("rocket", 2)],
                   evidence={"article": f"c{n}"}) for n in range(5)]
    add(store, *more, source="more.jsonl")
    assert link(store).calibration["reports"] == 27  # grown by more than a tenth: fitted again


def test_an_incident_entered_in_salvos_format_is_linked_back_unchanged(store, tmp_path):
    """Its analyst's report (dataset "salvo") carries every value, so the linker derives the same incident."""
    from salvo.importing import import_file
    from salvo.storage.incidents import load_incident
    from tests.conftest import write_csv

    source = write_csv(
        tmp_path / "entries.csv",
        "incident_id,date,country,location,actor,attribution,munition_type,count,intercepted,killed,killed_low,"
        "killed_high,status,source_url,notes",
        "T22,2024-01-28,JO,Tower 22,Islamic Resistance in Iraq,claimed,uav,1,0,3,3,4,published,"
        "https://example.org/t22,one-way attack drone")
    import_file(store, source)
    with store.session() as session:
        before = load_incident(session, "T22")
    add(store, NEWS, source="news.jsonl")
    link(store)
    with store.session() as session:
        after = load_incident(session, "T22")
    assert incident_of(store, "news", "a1#0") == "T22"
    assert (after.status, after.notes, after.killed_low, after.killed_high) == ("published", "one-way attack drone", 3, 4)
    assert (after.date, after.place_id, after.attribution, after.actor_id) == (
        before.date, before.place_id, before.attribution, before.actor_id)
    assert [(m.munition_type, m.count, m.intercepted) for m in after.munitions] == [("uav", 1, 0)]
    assert set(before.sources) <= set(after.sources)

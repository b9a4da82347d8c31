"""What a store holds, counted: reports waiting to be linked, incidents by status and scope."""

from __future__ import annotations

from pathlib import Path

from salvo.importing import import_file, import_reports
from salvo.storage.counts import StoreCounts, store_counts
from tests.conftest import write_csv

FIXTURES = Path(__file__).parents[1] / "fixtures"


def counted(store) -> StoreCounts:
    with store.session() as session:
        return store_counts(session)


def test_a_new_store_holds_nothing(store):
    assert counted(store) == StoreCounts()


def test_dataset_reports_wait_for_linking_and_analysts_entries_come_with_their_incidents(store, tmp_path):
    added = import_reports(store, FIXTURES / "acled_sample.csv", "acled").added
    import_file(store, write_csv(tmp_path / "i.csv", "incident_id,date,munition_type,count,status",
                                 "a,2021-06-06,uav,2,reviewed", "b,2021-06-07,uav,1,candidate"))
    held = counted(store)
    assert (held.reports, held.unlinked_reports) == (added + 2, added)
    assert held.incidents == {"reviewed": 1, "candidate": 1} and held.out_of_scope_incidents == 0

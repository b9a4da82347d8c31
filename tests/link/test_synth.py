"""Synthetic report sets with known truth (salvo.link.synth): shape, determinism, the documented noise, writing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import func, select

from salvo import codebook, gazetteer
from salvo.link import synth
from salvo.model import Provenance, Report
from salvo.names import normalise
from salvo.storage.report_frames import REPORT_SCHEMA

EVENTS = 20_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    """20,000 events' reports, each joined to its true event (columns ``true_*``)."""
    frame, _ = synth.synth_frame(EVENTS, seed=7)
    events = synth.synth_events(EVENTS, seed=7)
    return frame.join(events.rename({c: f"true_{c}" for c in events.columns if c != "event"}), on="event")


def of(sample: pl.DataFrame, dataset: str) -> pl.DataFrame:
    return sample.filter(pl.col("dataset") == f"synth-{dataset}")


def share(mask: pl.Series) -> float:
    """The share of true values, a null counting as false."""
    return float(mask.fill_null(False).mean())


def test_frame_has_the_report_schema_and_the_event_each_report_describes():
    frame, truth = synth.synth_frame(3_000, seed=1)
    assert frame.columns == [*REPORT_SCHEMA, "event"]
    assert all(frame.schema[name] == dtype for name, dtype in REPORT_SCHEMA.items())
    assert truth.equals(frame["event"])
    assert set(truth.unique()) == set(range(3_000))
    assert frame.select(pl.struct("dataset", "row_key").is_unique().all()).item()
    assert set(frame["dataset"]) <= set(synth.DATASETS)
    assert frame["dataset"].rle_id().n_unique() == frame["dataset"].n_unique()  # one run per dataset
    assert frame.select((pl.col("row_number") == pl.int_range(1, pl.len() + 1)).all().over("dataset")).to_series().all()
    assert frame["in_scope"].all() and frame["text"].null_count() == 0
    assert 2.4 < frame.height / 3_000 < 2.65


def test_the_same_seed_gives_the_same_reports_and_events():
    first, _ = synth.synth_frame(2_000, seed=3)
    again, _ = synth.synth_frame(2_000, seed=3)
    other, _ = synth.synth_frame(2_000, seed=4)
    assert first.equals(again)
    assert not first.equals(other)
    assert synth.synth_events(2_000, seed=3).equals(synth.synth_events(2_000, seed=3))


def test_dates_fall_between_start_and_end():
    events = synth.synth_events(2_000, start=dt.date(2023, 10, 7), end=dt.date(2024, 12, 31))
    assert events["date"].min() >= dt.date(2023, 10, 7) and events["date"].max() <= dt.date(2024, 12, 31)


def test_reports_per_event_follow_the_documented_distribution(sample):
    k = sample.group_by("event").len()["len"]
    assert k.len() == EVENTS and k.max() <= 6
    assert abs(share(k == 1) - 0.35) < 0.015
    assert abs(k.mean() - 2.51) < 0.05


def test_only_news_and_gdelt_report_one_event_twice(sample):
    twice = sample.group_by("dataset", "event").len().filter(pl.col("len") > 1)
    assert set(twice["dataset"]) == {"synth-news", "synth-gdelt"}


def test_events_are_dense_and_some_are_deliberately_close():
    events = synth.synth_events(EVENTS, seed=7)
    per_day = events.group_by("date").len()["len"]
    assert per_day.mean() > 4 and events["country"].n_unique() >= 15
    assert abs(share(events["place_id"].str.starts_with("geonames:").not_()) - 0.40) < 0.02
    assert events.filter(pl.col("country").is_null())["target_category"].is_in(
        ["commercial_shipping", "naval"]).all()
    pairs = events.join(events, left_on="close_to", right_on="event", suffix="_other")
    later, nearby = (pairs.filter(pl.col("closeness") == kind) for kind in ("next_day", "nearby"))
    assert abs(later.height / EVENTS - 0.05) < 0.01 and abs(nearby.height / EVENTS - 0.05) < 0.01
    assert (later["place_id"] == later["place_id_other"]).all()
    assert ((later["date"] - later["date_other"]).dt.total_days().abs() == 1).all()
    assert (nearby["date"] == nearby["date_other"]).all()
    assert (nearby["place_id"] != nearby["place_id_other"]).all()
    first_type = pl.col("munitions").str.json_path_match("$[0].munition_type")
    other_type = pl.col("munitions_other").str.json_path_match("$[0].munition_type")
    assert nearby.select((first_type != other_type).all()).item()


def test_dates_shift_within_their_precision(sample):
    dated = sample.filter(pl.col("date").is_not_null())
    month = dated.filter(pl.col("date_precision") == "month")
    assert month.height and (month["date"] == month["true_date"].dt.truncate("1mo")).all()
    week = dated.filter(pl.col("date_precision") == "week")
    assert week.height and (week["date"].dt.weekday() == 1).all()
    assert ((week["true_date"] - week["date"]).dt.total_days().is_between(0, 6)).all()
    year = dated.filter(pl.col("date_precision") == "year")
    assert (year["date"] == year["true_date"].dt.truncate("1y")).all()
    off = (pl.col("date") - pl.col("true_date")).dt.total_days().abs()
    for dataset in synth.SOURCES:
        day = dated.filter((pl.col("dataset") == dataset.dataset) & (pl.col("date_precision") == "day"))
        assert day.select(off.max()).item() <= dataset.shift_days
        assert abs(share(day.select(off > 0).to_series()) - dataset.date_shift) < 0.03, dataset.dataset
    assert abs(share(of(sample, "news")["date"].is_null()) - 0.30) < 0.02
    assert abs(share(of(sample, "ucdp")["date_precision"] == "month") - 0.10) < 0.02


def test_publication_follows_the_event(sample):
    lag = (pl.col("published_at") - pl.col("true_date")).dt.total_days()
    news = of(sample, "news").select(lag.alias("lag"))["lag"]
    assert news.null_count() == 0 and news.is_between(0, 3).all()
    assert abs(share(news == 0) - 0.40) < 0.02
    assert of(sample, "gdelt").select(lag.is_between(0, 1).all()).item()
    assert of(sample, "acled")["published_at"].null_count() == of(sample, "acled").height


def test_coordinates_at_the_site_the_town_or_the_country(sample):
    land = sample.filter(pl.col("true_country").is_not_null())
    gdelt = land.filter(pl.col("dataset") == "synth-gdelt")
    assert abs(share(gdelt["location_precision"] == "country") - 0.15) < 0.02
    assert (gdelt.filter(pl.col("location_precision") == "country")["place_id"].is_null()).all()
    news = of(sample, "news")
    assert abs(share(news["latitude"].is_null()) - 0.60) < 0.02
    assert news.filter(pl.col("latitude").is_null())["location_precision"].null_count() == news["latitude"].null_count()
    at_sites = land.filter(~pl.col("true_place_id").str.starts_with("geonames:"))
    acled = at_sites.filter(pl.col("dataset") == "synth-acled")
    assert (acled["location_precision"] == "city").all() and acled["place_id"].str.starts_with("geonames:").all()
    km = synth._distance_km(acled["latitude"], acled["longitude"], acled["true_latitude"], acled["true_longitude"])
    assert 1 < np.median(km) < 20 and km.max() < 135
    sites = sample.filter((pl.col("location_precision") == "site") & pl.col("place_id").is_not_null())
    sites = sites.unique("place_id")
    for place_id, lat, lon in sites.select("place_id", "latitude", "longitude").iter_rows():
        place = gazetteer.place_by_id(place_id)
        assert (place.lat, place.lon) == (lat, lon)
    exact = sample.filter(pl.col("location_precision") == "exact")
    assert (synth._distance_km(exact["latitude"], exact["longitude"], exact["true_latitude"],
                               exact["true_longitude"]) == 0).all()
    assert sample.filter(pl.col("true_country").is_null())["country"].null_count() == \
        sample.filter(pl.col("true_country").is_null()).height


def test_place_names_are_aliases_or_typos_at_the_documented_rates(sample):
    for dataset, typo in (("news", 0.15), ("gdelt", 0.05), ("acled", 0.0)):
        named = of(sample, dataset).filter(pl.col("location_precision").fill_null("") != "country")
        unresolved = pl.Series([gazetteer.lookup(name) is None for name in named["location"]])
        assert abs(share(unresolved) - typo) < 0.02, dataset
        assert (named.filter(unresolved)["place_id"].is_null()).all()
    news = of(sample, "news").filter(pl.col("place_id").is_not_null())
    canonical = pl.Series([normalise(gazetteer.place_by_id(p).name) for p in news["place_id"]])
    aliased = pl.Series([normalise(name) for name in news["location"]]) != canonical
    # 35% of all names are aliases: 41% of the names that are not typos, less places without aliases.
    assert 0.33 < share(aliased) < 0.43


def test_munitions_and_counts_disagree_at_the_documented_rates(sample):
    first_type = pl.col("munitions").str.json_path_match("$[0].munition_type")
    first_count = pl.col("munitions").str.json_path_match("$[0].count").cast(pl.Int64, strict=False)
    true_type = pl.col("true_munitions").str.json_path_match("$[0].munition_type")
    true_count = pl.col("true_munitions").str.json_path_match("$[0].count").cast(pl.Int64)
    single = sample.filter(pl.col("true_munitions").str.count_matches("munition_type") == 1).with_columns(
        first_type.alias("type"), first_count.alias("count"), true_type.alias("true_type"),
        true_count.alias("true_count"))
    for source in synth.SOURCES:
        rows = single.filter(pl.col("dataset") == source.dataset)
        empty = share(rows["munitions"] == "[]")
        assert abs(empty - source.munitions_missing) < 0.03, source.dataset
        stated = rows.filter(pl.col("munitions") != "[]")
        unknown = stated.filter((pl.col("type") == "unknown") & (pl.col("true_type") != "unknown")).height
        assert abs(unknown / stated.height - source.type_unknown) < 0.03, source.dataset
        kept = stated.filter(pl.col("type") == pl.col("true_type"))
        assert abs(share(kept["count"].is_null()) - source.count_missing) < 0.03, source.dataset
        counted = kept.filter(pl.col("count").is_not_null() & (pl.col("true_type") != "unknown"))
        off = share((counted["count"] - counted["true_count"]).abs() == 1)
        movable = share(counted["true_count"] > 1) + share(counted["true_count"] == 1) / 2  # 1 never goes to 0
        assert abs(off - source.count_off * movable) < 0.02, source.dataset
    stated = sample.filter(pl.col("munitions").str.contains("intercepted"))
    assert set(stated["dataset"]) == {s.dataset for s in synth.SOURCES if s.outcomes}


def test_actors_and_targets_go_missing_at_the_documented_rates(sample):
    with_actor = sample.filter(pl.col("true_actor_id").is_not_null())
    for source in synth.SOURCES:
        rows = with_actor.filter(pl.col("dataset") == source.dataset)
        assert abs(share(rows["actor_id"].is_null()) - source.actor_missing) < 0.03, source.dataset
        target = of(sample, source.dataset.removeprefix("synth-"))["target_category"]
        assert abs(share(target.is_null()) - source.target_missing) < 0.03, source.dataset
    book = codebook.actors()
    named = with_actor.filter(pl.col("actor_id").is_not_null())
    for actor_id, true_id, name in named.select("actor_id", "true_actor_id", "actor_name").unique().iter_rows():
        assert actor_id == true_id or actor_id in book.ancestors(true_id)
        assert book.resolve(name).id == actor_id
    assert (of(sample, "gdelt")["confidence"] == "low").all()
    assert of(sample, "gdelt").filter(pl.col("actor_id").is_not_null())["attribution"].eq("suspected").all()


def test_every_code_is_a_codebook_code(sample):
    vocab = codebook.vocabulary
    types = {line["munition_type"] for text in sample["munitions"].unique() for line in json.loads(text)}
    assert types <= set(vocab("munition_type").codes)
    for column, name in (("target_category", "target_category"), ("attribution", "attribution"),
                         ("date_precision", "date_precision"), ("location_precision", "location_precision")):
        assert set(sample[column].drop_nulls()) <= set(vocab(name).codes), column
    assert all(codebook.actors().get(a) for a in sample["actor_id"].drop_nulls().unique())
    assert all(gazetteer.country(c) for c in sample["country"].drop_nulls().unique())
    assert all(gazetteer.place_by_id(p) is not None for p in sample["place_id"].drop_nulls().unique())


def test_text_is_a_note_made_from_the_reports_values():
    frame, _ = synth.synth_frame(500, seed=2)
    row = frame.filter((pl.col("munitions").str.count_matches("munition_type") == 1)
                       & pl.col("munitions").str.contains('"count": [0-9]') & (pl.col("killed") == 0)
                       & (pl.col("injured") == 0)).row(0, named=True)
    line = json.loads(row["munitions"])[0]
    noun = synth.NOUNS[line["munition_type"]][line["count"] != 1]
    assert row["text"] == f"{line['count']} {noun} hit {row['location']}; no casualties"


def test_the_rates_table_is_in_the_docs_and_the_module_docstring():
    table = synth.rates_table()
    assert table in (ROOT / "docs" / "synthetic.md").read_text(encoding="utf-8")
    assert table in (synth.__doc__ or "")


def test_write_synth_stores_every_report(sqlite_store):
    truth = synth.write_synth(sqlite_store, 2_000, seed=5)
    assert truth.columns == ["dataset", "row_key", "event"] and truth["event"].n_unique() == 2_000
    with sqlite_store.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == truth.height
        assert session.scalar(select(func.count()).select_from(Provenance).where(
            Provenance.source_file == "synth:5:2000")) == truth.height
    again = synth.write_synth(sqlite_store, 2_000, seed=5)
    assert again.equals(truth)
    with sqlite_store.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == truth.height

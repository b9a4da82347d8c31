"""Salvo's own interchange format: CSV or XLSX with one row per incident and munition
type, or JSON with one object per incident. See docs/format.md.

Rows of one incident share an ``incident_id``, are adjacent, and repeat the
incident's values. The reader streams the file in batches (salvo_files) and
validates each batch a column at a time; it yields the valid incidents as records together
with every error found, so the importer can report all errors at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

from salvo import codebook, gazetteer
from salvo.readers import fields as f
from salvo.readers import salvo_files as files
from salvo.readers.salvo_files import COLUMNS, MUNITION_COLUMNS, PROBLEM, REQUIRED, ROW
from salvo.readers.errors import RowError
from salvo.records import INCIDENT_SCALARS
from salvo.storage.frames import LINE_SCHEMA, content_hashes

BATCH_ROWS = 100_000

_PARSERS: dict[str, f.Parser] = {
    "location": f.text, "target": f.text, "notes": f.text, "actor": f.text,
    "latitude": f.coordinate(-90, 90), "longitude": f.coordinate(-180, 180),
    "date_precision": f.code("date_precision"),
    "location_precision": f.code("location_precision"),
    "target_category": f.code("target_category"),
    "attribution": f.code("attribution"),
    "status": f.code("review_status"),
    "country": f.country,
    "munition_type": f.code("munition_type"),
    "count_estimate": f.boolean,
    "count": f.count, "intercepted": f.count, "impacted": f.count, "failed": f.count,
    "killed": f.count, "killed_low": f.count, "killed_high": f.count,
    "injured": f.count, "injured_low": f.count, "injured_high": f.count,
    "source_url": f.urls,
}


@dataclass
class Batch:
    """What one batch of rows gave: valid incidents (as frames), errors, and the rows of rejected incidents."""

    incidents: pl.DataFrame
    lines: pl.DataFrame
    errors: list[RowError]
    rows: int
    position: int = 0
    rejected_incidents: int = 0
    rejected_rows: pl.DataFrame | None = None
    unresolved_actors: Counter = field(default_factory=Counter)
    raw: pl.DataFrame | None = None
    """Where each valid incident was read, in the incidents' order: ``id``, ``row_number`` (its first
    row) and ``raw`` (its row as a JSON object of the file's cells, or a list of such objects when the
    incident takes several rows)."""


def read(path: Path, *, default_status: str = "reviewed", batch_rows: int = BATCH_ROWS) -> Iterator[Batch]:
    """Every incident of a Salvo CSV, XLSX or JSON file, validated, in batches of about `batch_rows` rows.

    Each batch says how far into the file (in bytes) reading has got, for progress reports.
    """
    consumed = [0]
    frames, header = files.frames(path, batch_rows, consumed, REQUIRED)
    validator = Validator(str(path), header, default_status)
    for frame in files.whole_incidents(frames):
        batch = validator.validate(frame)
        batch.position = consumed[0]
        yield batch


# -- validating a frame into records ----------------------------------------------------------------

class Validator:
    """Validates batches of one file, remembering the incident ids already seen."""

    def __init__(self, file: str, header: list[str], default_status: str):
        self.file = file
        self.header = [name for name in header if name != ROW and not name.startswith(PROBLEM)]
        self.problems = [name for name in header if name.startswith(PROBLEM)]
        self.present = set(self.header)
        self.default_status = default_status
        self.seen: set[int] = set()
        self.derived: set[str] = set()

    def validate(self, frame: pl.DataFrame) -> Batch:
        """Check every cell and rule of a batch of whole incidents; build the valid incidents."""
        raw = frame.with_columns(pl.lit("").alias(name) for name in COLUMNS if name not in frame.columns)
        values, checks = self._parse(raw)
        values, more = self._row_rules(values)
        checks += more
        values = self._resolve(values)
        values = self._repeated_ids(values)
        checks.append(("incident_id", "_repeated"))
        errors, bad = self._errors(raw, values, checks)
        values = values.with_columns(_raw=raw.select(pl.struct(self.header).struct.json_encode()).to_series())
        good = values.filter(~pl.col("_g").is_in(list(bad))) if bad else values
        incidents, lines, where = self._incidents(good)
        batch = Batch(incidents=incidents, lines=lines, errors=errors, rows=frame.height,
                      unresolved_actors=self._unresolved(good), rejected_incidents=len(bad), raw=where)
        if bad:
            batch.rejected_rows = self._rejected(raw, values, checks, bad)
        return batch

    def _parse(self, raw: pl.DataFrame) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
        """Parse every cell and check that the rows of each incident agree, in one pass.

        Returns the parsed values with a reason column per check, and (field, reason column) pairs.
        """
        exprs: dict[str, pl.Expr] = {}
        reasons: list[tuple[str, pl.Expr]] = []
        for name, parser in _PARSERS.items():
            exprs[name], reason = parser(raw, name)
            reasons.append((name, reason))
        exprs["date"], exprs["date_precision"], reason = f.dates("date", exprs["date_precision"])
        reasons.append(("date", reason))
        reasons.append(("latitude", pl.when(f.blank("latitude").is_null() != f.blank("longitude").is_null())
                        .then(pl.lit("latitude and longitude must both be given or both be empty"))))
        for name, exists in (("actor_id", _actor_exists), ("place_id", gazetteer.place_by_id)):
            if name in self.present:
                exprs[name], reason = f.mapped(raw, name, lambda v, exists=exists: v if exists(v) else None,
                                               f"is not a known {name.removesuffix('_id')} id")
                reasons.append((name, reason))
        iid = f.blank("incident_id")
        starts = iid.ne_missing(iid.shift(1)) | iid.is_null()
        first = pl.when(starts).then(pl.int_range(pl.len())).forward_fill()
        for name in COLUMNS:
            if name in MUNITION_COLUMNS or name == "incident_id" or name not in self.present:
                continue
            differs = pl.col(name).ne_missing(pl.col(name).gather(first))
            reasons.append((name, pl.when(differs).then(
                pl.format("differs from row {} of the same incident", pl.col(ROW).gather(first)))))
        reasons = self._with_problems(reasons)
        values = raw.select(
            pl.col(ROW), iid.alias("_iid"), starts.cum_sum().alias("_g"),
            *(expr.alias(name) for name, expr in exprs.items()),
            *(expr.cast(pl.String).alias(f"_why{i}") for i, (_, expr) in enumerate(reasons)),
        )
        return values, [(name, f"_why{i}") for i, (name, _) in enumerate(reasons)]

    def _with_problems(self, reasons: list[tuple[str, pl.Expr]]) -> list[tuple[str, pl.Expr]]:
        """The reasons, with what the file reader found wrong in a field (salvo_files.PROBLEM) taking precedence.

        A field with a problem reports that alone: a list given as a date is "not one value", not also "not a date".
        """
        problems = {name.removeprefix(PROBLEM): f.blank(name) for name in self.problems}
        merged = [(name, pl.coalesce(problems.pop(name), why) if name in problems else why) for name, why in reasons]
        return merged + list(problems.items())

    def _row_rules(self, values: pl.DataFrame) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
        """Rules across the fields of a row, and one line per munition type in an incident."""
        outcomes = pl.sum_horizontal(pl.col("intercepted", "impacted", "failed").fill_null(0))
        rules = [
            ("count", pl.when(pl.col("count").is_not_null() & (outcomes > pl.col("count")))
             .then(pl.format("is less than intercepted + impacted + failed ({})", outcomes))),
            ("munition_type", pl.when(pl.int_range(pl.len()).over(["_g", "munition_type"]) > 0)
             .then(pl.lit("appears twice for this incident; use one row per munition type"))),
        ]
        for kind in ("killed", "injured"):
            low, best, high = pl.col(f"{kind}_low"), pl.col(kind), pl.col(f"{kind}_high")
            broken = ((low > best) | (best > high) | (low > high)).fill_null(False)
            rules.append((kind, pl.when(broken).then(pl.lit(f"{kind}_low <= {kind} <= {kind}_high does not hold"))))
        values = values.with_columns(
            munition_type=pl.col("munition_type").fill_null("unknown"),
            status=pl.col("status").fill_null(self.default_status),
        ).with_columns(expr.cast(pl.String).alias(f"_rule{i}") for i, (_, expr) in enumerate(rules))
        return values, [(name, f"_rule{i}") for i, (name, _) in enumerate(rules)]

    def _resolve(self, values: pl.DataFrame) -> pl.DataFrame:
        """Actor and place ids by name, unless the file gives them in their own columns."""
        if "actor_id" not in self.present:
            names = values["actor"].drop_nulls().unique().to_list()
            mapping = {name: _actor(name) for name in names}
            values = values.with_columns(
                actor_id=pl.col("actor").replace_strict(mapping, default=None, return_dtype=pl.String))
        if "place_id" in self.present:
            return values
        pairs = values.select("location", "country").unique().drop_nulls("location")
        found = [_place(loc, cc) for loc, cc in pairs.iter_rows()]
        places = pairs.with_columns(
            place_id=pl.Series([p.id if p else None for p in found], dtype=pl.String),
            _plat=pl.Series([p.lat if p else None for p in found], dtype=pl.Float64),
            _plon=pl.Series([p.lon if p else None for p in found], dtype=pl.Float64),
            _pprec=pl.Series([p.precision if p else None for p in found], dtype=pl.String),
        )
        filled = pl.col("latitude").is_null() & pl.col("_plat").is_not_null()
        values = values.join(places, on=["location", "country"], how="left", nulls_equal=True,
                             maintain_order="left")
        return values.with_columns(
            latitude=pl.when(filled).then(pl.col("_plat")).otherwise(pl.col("latitude")),
            longitude=pl.when(filled).then(pl.col("_plon")).otherwise(pl.col("longitude")),
            location_precision=pl.when(filled).then(pl.coalesce("location_precision", "_pprec"))
            .otherwise(pl.col("location_precision")),
        ).drop("_plat", "_plon", "_pprec")

    def _repeated_ids(self, values: pl.DataFrame) -> pl.DataFrame:
        """Mark (in ``_repeated``) an incident id met again after other incidents: its rows are not together."""
        first_row = pl.col("_g").ne_missing(pl.col("_g").shift(1))
        starts = values.filter(first_row & pl.col("_iid").is_not_null()).select(
            "_g", pl.col("_iid").hash(seed=7).alias("key"))
        keys = starts["key"].to_list()
        repeated = []
        if not self.seen.isdisjoint(keys) or len(set(keys)) != len(keys):
            for group, key in zip(starts["_g"].to_list(), keys):
                if key in self.seen:
                    repeated.append(group)
                self.seen.add(key)
        self.seen.update(keys)
        return values.with_columns(_repeated=pl.when(first_row & pl.col("_g").is_in(repeated)).then(
            pl.lit("appears again after other incidents; keep the rows of one incident together")))

    def _errors(self, raw, values, checks) -> tuple[list[RowError], set[int]]:
        """Every failed check as a RowError (ordered by row, then field), and the groups they reject."""
        columns = [column for _, column in checks]
        if not values.select(pl.any_horizontal(pl.col(columns).is_not_null()).any()).item():
            return [], set()
        errors: list[tuple[int, int, RowError]] = []
        bad: set[int] = set()
        groups, rows = values["_g"], values[ROW]
        for order, (name, column) in enumerate(checks):
            reasons = values[column]
            cells = raw[name] if name in raw.columns else None
            for i in reasons.is_not_null().arg_true().to_list():
                errors.append((rows[i], order, RowError(self.file, rows[i], name,
                                                        cells[i] if cells is not None else None, reasons[i])))
                bad.add(groups[i])
        errors.sort(key=lambda item: item[:2])
        return [error for *_, error in errors], bad

    def _rejected(self, raw, values, checks, bad) -> pl.DataFrame:
        """The raw rows of the rejected incidents, each with the first reason found on it."""
        labelled = values.select(pl.coalesce(
            [pl.format(f"{name}: {{}}", pl.col(column)) for name, column in checks]).alias("error"))
        rejected = raw.select(ROW, *self.header).with_columns(
            error=labelled["error"].fill_null("another row of this incident is invalid"), _g=values["_g"])
        return rejected.filter(pl.col("_g").is_in(list(bad))).drop("_g").rename({ROW: "source_row"})

    def _incidents(self, good: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """The valid rows as an incidents frame, a lines frame (see salvo.storage.frames) and where each was read."""
        firsts = good.filter(pl.int_range(pl.len()).over("_g") == 0)
        group = pl.col("_g")
        several = good.filter(group.eq_missing(group.shift(1)) | group.eq_missing(group.shift(-1)))
        if several.height:  # an incident of several rows keeps them all, as a list (its rows are adjacent)
            joined = several.group_by("_g", maintain_order=True).agg(
                pl.format("[{}]", pl.col("_raw").str.join(", ")).alias("_rows"))
            firsts = firsts.join(joined, on="_g", how="left", maintain_order="left").with_columns(
                _raw=pl.coalesce("_rows", "_raw")).drop("_rows")
        incidents = firsts.select(
            pl.col("_iid").alias("id"),
            *(pl.col("actor").alias(name) if name == "actor_name" else pl.col(name) for name in INCIDENT_SCALARS[1:]),
            pl.col("source_url").alias("sources"), "_g", pl.col(ROW).alias("_first_row"), "_raw",
        )
        lines = good.select(pl.col("_iid").alias("incident_id"),
                            pl.int_range(pl.len()).over("_g").alias("position"), *MUNITION_COLUMNS, "_g")
        if incidents["id"].null_count():
            incidents, lines = self._derive_ids(incidents, lines)
        where = incidents.select("id", pl.col("_first_row").cast(pl.Int64).alias("row_number"),
                                 pl.col("_raw").alias("raw"))
        incidents, lines = incidents.drop("_g", "_first_row", "_raw"), lines.drop("_g").cast(LINE_SCHEMA)
        return incidents.with_columns(content_hashes(incidents, lines)), lines, where

    def _derive_ids(self, incidents: pl.DataFrame, lines: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Give rows without an incident_id an id derived from their values; drop exact repeats."""
        unnamed = incidents["id"].is_null()
        blank = incidents.filter(unnamed).with_columns(id=pl.lit(""))
        blank_lines = lines.filter(pl.col("_g").is_in(blank["_g"].implode())).with_columns(incident_id=pl.lit(""))
        hashes = content_hashes(blank.drop("_g"), blank_lines.drop("_g"))
        derived = {}
        for group, digest in zip(blank["_g"].to_list(), hashes.to_list()):
            new_id = f"h-{digest[:16]}"
            if new_id not in self.derived:
                self.derived.add(new_id)
                derived[group] = new_id
        keep = pl.col("id").is_not_null() | pl.col("_g").is_in(list(derived))
        named = pl.col("_g").replace_strict(derived, default=None, return_dtype=pl.String)
        incidents = incidents.filter(keep).with_columns(id=pl.coalesce("id", named))
        lines = lines.filter(pl.col("incident_id").is_not_null() | pl.col("_g").is_in(list(derived)))
        return incidents, lines.with_columns(incident_id=pl.coalesce("incident_id", named))

    @staticmethod
    def _unresolved(good: pl.DataFrame) -> Counter:
        names = good.filter(pl.col("actor").is_not_null() & pl.col("actor_id").is_null()).unique("_g")["actor"]
        return Counter(dict(names.value_counts().iter_rows()))


def _actor_exists(actor_id: str) -> bool:
    try:
        codebook.actors().get(actor_id)
    except KeyError:
        return False
    return True


@lru_cache(maxsize=4096)
def _actor(name: str | None) -> str | None:
    actor = codebook.actors().resolve(name)
    return actor.id if actor else None


@lru_cache(maxsize=16384)
def _place(location: str, country: str | None):
    place = gazetteer.lookup(location, country)
    if place is None and "," in location:
        place = gazetteer.lookup(location.split(",")[0], country)
    return place

"""The linking pipeline's heavy half on Apache Spark: blocking joins and pair scoring, for stores too large for one machine.

``salvo link --engine spark`` runs the same settings as the in-process
engine: the link frame is prepared as usual (it is one row per report), each
blocking rule's join runs as a Spark join on the same keys, grid cells and
day buckets, and the candidate pairs are scored on the executors by the very
comparison expressions the in-process engine uses (each batch of pairs is
handed to :func:`salvo.link.scoring.joined_levels` through Arrow). Only the
pairs at or above the review threshold come back to the driver, where they
are clustered as always. So the two engines give the same scored pairs and
the same incidents (``tests/link/test_spark.py`` checks it).

The session is the active one when there is one (a cluster's ``spark-submit``
or ``pyspark`` shell), else a local one (``SALVO_SPARK_MASTER``, default
``local[*]``). PySpark is an optional extra (``pip install
'salvo-tracker[spark]'``) and needs Java; on a cluster, Salvo must be
installed on the executors too, since they run its comparisons.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import TYPE_CHECKING

import polars as pl

from salvo.errors import Unavailable
from salvo.link.blocking import PAIR_SCHEMA, cell_size_degrees, rule_sides, symmetric
from salvo.link.comparisons import build
from salvo.link.scoring import compared_columns, joined_levels, with_weights
from salvo.link.settings import BlockingRule, Settings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


class SparkUnavailable(Unavailable):
    """PySpark or Java is missing, so the Spark engine cannot run."""


def available() -> str | None:
    """Why the Spark engine cannot run here, or None when it can."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed (pip install 'salvo-tracker[spark]')"
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        return "Spark needs Java, and neither JAVA_HOME nor a java on PATH was found"
    return None


def session() -> SparkSession:
    """The active Spark session, or a local one made for linking."""
    reason = available()
    if reason:
        raise SparkUnavailable(reason)
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    # The executors' Python must be this one, which has Salvo and its dependencies.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    made = (SparkSession.builder.master(os.environ.get("SALVO_SPARK_MASTER", "local[*]"))
            .appName("salvo-link")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", os.environ.get("SALVO_SPARK_PARTITIONS", "8"))
            .getOrCreate())
    made.sparkContext.setLogLevel("ERROR")
    return made


def scored_pairs(frame: pl.DataFrame, settings: Settings, *, focus: pl.Series | None = None,
                 floor: float = 0.0, spark: SparkSession | None = None) -> tuple[pl.DataFrame, int]:
    """The candidate pairs scored at or above `floor`, and how many pairs were scored, computed on Spark.

    The same answer as :func:`salvo.link.blocking.candidate_pairs` followed by
    :func:`salvo.link.scoring.score` (and the same columns).
    """
    spark = spark or session()
    pairs = candidate_pairs(spark, frame, settings, focus).persist()
    try:
        counted = pairs.count()
        scored = _score(spark, pairs, frame, settings, floor)
    finally:
        pairs.unpersist()
    return scored, counted


def candidate_pairs(spark: SparkSession, frame: pl.DataFrame, settings: Settings,
                    focus: pl.Series | None = None) -> DataFrame:
    """The distinct candidate pairs (a < b) with the index of the first rule that found each, as a Spark frame."""
    from pyspark.sql import functions as F

    found = []
    for index, rule in enumerate(settings.rules):
        for pairs in _rule_pairs(spark, frame, rule, settings, focus):
            found.append(pairs.select(F.least("a", "b").alias("a"), F.greatest("a", "b").alias("b"),
                                      F.lit(index).alias("rule")))
    if not found:
        return spark.createDataFrame([], "a long, b long, rule int")
    union = found[0]
    for more in found[1:]:
        union = union.unionByName(more)
    pairs = union.groupBy("a", "b").agg(F.min("rule").alias("rule"))
    return _allowed(spark, pairs, frame)


def _rule_pairs(spark, frame: pl.DataFrame, rule: BlockingRule, settings: Settings, focus: pl.Series | None):
    """The joins one rule needs: all against all, or (with a focus) the focus against all, both ways
    when the rule's sides differ."""
    left, right = rule_sides(frame, rule)
    if focus is None:
        return [_join(spark, left, right, rule, settings)]
    mine = pl.col("report_id").is_in(focus.implode())
    joins = [_join(spark, left.filter(mine), right, rule, settings)]
    if not symmetric(rule):
        joins.append(_join(spark, left, right.filter(mine), rule, settings))
    return joins


def _join(spark, left: pl.DataFrame, right: pl.DataFrame, rule: BlockingRule, settings: Settings) -> DataFrame:
    """One rule's join on Spark: its keys, grid cells and day buckets, then the pairs that really meet."""
    from pyspark.sql import functions as F

    on = list(rule.on)
    needed = list(dict.fromkeys(["report_id", *on, "lo", "hi", "latitude", "longitude"]))
    first, second = _to_spark(spark, left.select(needed)), _to_spark(spark, right.select(needed))
    if rule.within_km is not None:
        height, width = cell_size_degrees(rule.within_km)

        def cell(side):
            return side.withColumn("cy", F.floor(F.col("latitude") / height).cast("int")) \
                .withColumn("cx", F.floor(F.col("longitude") / width).cast("int"))

        offsets = spark.createDataFrame([(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)], "dy int, dx int")
        first = cell(first).crossJoin(offsets).withColumn("cy", F.col("cy") + F.col("dy")) \
            .withColumn("cx", F.col("cx") + F.col("dx")).drop("dy", "dx")
        second = cell(second)
        on = [*on, "cy", "cx"]
    if rule.dates == "overlap":
        slack, size = settings.date_slack_days, settings.bucket_days
        first = first.withColumn("bucket", F.explode(F.sequence(
            F.floor((F.col("lo") - slack) / size).cast("int"), F.floor((F.col("hi") + slack) / size).cast("int"))))
        second = second.withColumn("bucket", F.explode(F.sequence(
            F.floor(F.col("lo") / size).cast("int"), F.floor(F.col("hi") / size).cast("int"))))
        on = [*on, "bucket"]
    others = [c for c in second.columns if c not in on]
    second = second.select(*on, *(F.col(c).alias(f"{c}_b") for c in others))
    joined = first.join(second, on=on).where(F.col("report_id") != F.col("report_id_b"))
    if rule.dates == "overlap":
        gap = F.greatest("lo", "lo_b") - F.least("hi", "hi_b")
        joined = joined.where(gap <= settings.date_slack_days)
    if rule.within_km is not None:
        joined = joined.where(_haversine_km("latitude", "longitude", "latitude_b", "longitude_b") <= rule.within_km)
    # Repeats (a pair meeting in several buckets or cells) fall away in candidate_pairs' one grouping.
    return joined.select(F.col("report_id").alias("a"), F.col("report_id_b").alias("b"))


def _haversine_km(lat1: str, lon1: str, lat2: str, lon2: str):
    """Great-circle distance in km, as a Spark column (the formula of salvo.link.blocking.haversine_km)."""
    from pyspark.sql import functions as F

    p1, p2 = F.radians(lat1), F.radians(lat2)
    h = F.pow(F.sin((p2 - p1) / 2), 2) + F.cos(p1) * F.cos(p2) * F.pow(F.sin(F.radians(F.col(lon2) - F.col(lon1)) / 2), 2)
    return 2 * 6371.0 * F.asin(F.sqrt(h))


def _allowed(spark, pairs: DataFrame, frame: pl.DataFrame) -> DataFrame:
    """Drop the pairs dataset rules decide without scoring: one exclusive key, or one `together` group."""
    from pyspark.sql import functions as F

    keys = _to_spark(spark, frame.select("report_id", pl.col("exclusive").cast(pl.String),
                                         pl.col("together").cast(pl.String)))
    first = keys.select(F.col("report_id").alias("a"), F.col("exclusive").alias("ea"), F.col("together").alias("ta"))
    second = keys.select(F.col("report_id").alias("b"), F.col("exclusive").alias("eb"), F.col("together").alias("tb"))
    joined = pairs.join(first, on="a").join(second, on="b")
    same = F.coalesce(F.col("ea") == F.col("eb"), F.lit(False)) | F.coalesce(F.col("ta") == F.col("tb"), F.lit(False))
    return joined.where(~same).select("a", "b", "rule")


def _score(spark, pairs: DataFrame, frame: pl.DataFrame, settings: Settings, floor: float) -> pl.DataFrame:
    """Score the pairs on the executors with the in-process engine's expressions; collect those at or above `floor`."""
    from pyspark.sql import functions as F

    comparisons = build(settings.comparisons)
    columns = compared_columns(frame)
    dtypes = {c: frame.schema[c] for c in columns}
    side = _to_spark(spark, frame.select("report_id", *columns))
    joined = (pairs.join(side.select(F.col("report_id").alias("a"), *(F.col(c).alias(f"{c}_l") for c in columns)),
                         on="a")
              .join(side.select(F.col("report_id").alias("b"), *(F.col(c).alias(f"{c}_r") for c in columns)),
                    on="b"))
    prior = settings.prior
    tf = [c.tf_column for c in comparisons if c.tf_column]

    def score_batches(batches):
        for batch in batches:
            part = pl.from_arrow(batch)
            part = part.with_columns(_restored(f"{c}{side}", dtype) for c, dtype in dtypes.items()
                                     for side in ("_l", "_r"))
            result = with_weights(joined_levels(part, comparisons), comparisons, prior) \
                .filter(pl.col("probability") >= floor)
            yield from result.to_arrow().to_batches()

    schema = ", ".join(["a long", "b long", "rule int", *(f"`{c.name}` tinyint" for c in comparisons),
                        *(f"`{t}` double" for t in tf), "weight double", "probability double"])
    collected = pl.from_arrow(joined.mapInArrow(score_batches, schema).toArrow())
    names = {index: rule.name for index, rule in enumerate(settings.rules)}
    if collected.height == 0:
        collected = pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64, "rule": pl.Int32,
                                         **{c.name: pl.Int8 for c in comparisons}, **{t: pl.Float64 for t in tf},
                                         "weight": pl.Float64, "probability": pl.Float64})
    return collected.with_columns(
        rule=pl.col("rule").replace_strict(names, return_dtype=pl.String).cast(PAIR_SCHEMA["rule"]))


def _to_spark(spark, frame: pl.DataFrame) -> DataFrame:
    """A polars frame as a Spark frame: unsigned integers become signed ones Spark can hold (64-bit ones
    bit for bit), categoricals become text."""
    converted = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.UInt64:
            column = column.reinterpret(signed=True)
        elif dtype.is_unsigned_integer():
            column = column.cast(pl.Int64)
        elif dtype == pl.Categorical:
            column = column.cast(pl.String)
        converted.append(column)
    table = frame.select(converted).to_arrow()
    if frame.height == 0:
        return spark.createDataFrame([], _spark_schema(table))
    return spark.createDataFrame(table)


def _spark_schema(table):
    """A Spark schema for an (empty) Arrow table."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(table.schema)


def _restored(name: str, dtype: pl.DataType) -> pl.Expr:
    """A column brought back from Spark in its polars type (see :func:`_to_spark`)."""
    if dtype == pl.UInt64:
        return pl.col(name).reinterpret(signed=False)
    return pl.col(name).cast(dtype)



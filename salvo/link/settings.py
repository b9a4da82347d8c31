"""Linkage settings as plain data: read from YAML, checked whole before anything runs.

The shipped file is ``salvo/link/settings.yaml``; an analyst passes another
with ``salvo link --settings FILE``. Every key is validated here, so that a
typo or a bad threshold is refused with the file, the key and the reason
before the linker touches the store.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from salvo.errors import InputError

DEFAULT_SETTINGS = "settings.yaml"
DATE_RULES = ("overlap", "open")
WITHIN = ("never", "always", "when")
U_SOURCES = ("settings", "random_pairs")
ONE_SIDE = ("imprecise", "imprecise_untyped")
SOURCE_KINDS = ("analyst", "curated", "official", "extraction", "machine")
BLOCKING_KEYS = ("country", "place_id", "at_sea", "actor_id", "munition", "dataset")


class SettingsError(InputError, ValueError):
    """A settings file that cannot be used: names the file, the key and what is wrong."""

    def __init__(self, file: str, key: str, reason: str):
        super().__init__(f"{file}: {key}: {reason}")
        self.file, self.key, self.reason = file, key, reason


@dataclass(frozen=True)
class Level:
    """One level of a comparison, with its m and u probabilities and any parameters."""

    name: str
    m: float
    u: float
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def weight(self) -> float:
        """The level's match weight, log2(m/u)."""
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class ComparisonSpec:
    """A comparison as the settings describe it: a kind, its levels in order, and options."""

    name: str
    kind: str
    levels: tuple[Level, ...]
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BlockingRule:
    """Pairs reports that share the keys `on` (or lie within `within_km`) and whose date windows meet (or are open)."""

    name: str
    on: tuple[str, ...] = ()
    within_km: float | None = None
    dates: str = "overlap"
    one_side: str | None = None


@dataclass(frozen=True)
class DatasetRule:
    """How one dataset's reports are treated: source kind, rank, and the same-dataset rule."""

    name: str
    kind: str
    rank: int
    within: str
    when: str | None = None
    distinct_within: str | None = None
    together_by: str | None = None


@dataclass(frozen=True)
class Settings:
    """The whole of a linkage settings file, checked."""

    file: str
    digest: str
    evidence_keys: tuple[str, ...]
    date_slack_days: int
    undated_lookback_days: int
    bucket_days: int
    rules: tuple[BlockingRule, ...]
    prior: float
    comparisons: tuple[ComparisonSpec, ...]
    link_threshold: float
    review_threshold: float
    datasets: dict[str, DatasetRule]
    reviewed_kinds: frozenset[str]
    raw: dict[str, Any]
    matches_per_report: float | None = None
    u_from: str = "settings"
    random_pairs: int = 200_000
    u_prior_pairs: int = 2000

    def dataset(self, name: str) -> DatasetRule:
        """The rule of a dataset, or the default rule for a dataset the settings do not name."""
        return self.datasets.get(name) or DatasetRule(name, **{
            k: v for k, v in vars(self.datasets["default"]).items() if k != "name"})


def default_path() -> Path:
    """The settings file shipped with Salvo."""
    return Path(str(resources.files(__package__).joinpath(DEFAULT_SETTINGS)))


def load_settings(path: str | Path | None = None) -> Settings:
    """Read and check a settings file (the shipped one when `path` is None)."""
    path = Path(path) if path else default_path()
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(file, "(file)", f"cannot be read ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SettingsError(file, "(file)", f"is not YAML ({exc})") from None
    if not isinstance(data, dict):
        raise SettingsError(file, "(file)", "must be a mapping of settings")
    return parse_settings(data, file, hashlib.sha256(text.encode("utf-8")).hexdigest())


def parse_settings(data: dict[str, Any], file: str = "(settings)", digest: str = "") -> Settings:
    """Check settings given as plain data and build them; raises SettingsError naming the key."""
    check = _Checker(file)
    check.keys(data, "", {"version", "evidence_keys", "blocking", "model", "thresholds", "datasets", "trust"})
    if data.get("version") != 1:
        raise SettingsError(file, "version", "must be 1")
    blocking = check.mapping(data, "blocking")
    check.keys(blocking, "blocking", {"date_slack_days", "undated_lookback_days", "bucket_days", "rules"})
    model = check.mapping(data, "model")
    check.keys(model, "model", {"prior", "matches_per_report", "u_from", "random_pairs", "u_prior_pairs",
                                "comparisons"})
    u_from = model.get("u_from", "settings")
    if u_from not in U_SOURCES:
        raise SettingsError(file, "model.u_from", f"{u_from!r} is not one of {', '.join(U_SOURCES)}")
    matches = model.get("matches_per_report")
    if matches is not None and (not isinstance(matches, int | float) or isinstance(matches, bool) or matches <= 0):
        raise SettingsError(file, "model.matches_per_report", f"{matches!r} must be a number above 0")
    thresholds = check.mapping(data, "thresholds")
    check.keys(thresholds, "thresholds", {"link", "review"})
    link, review = (check.probability(thresholds, "thresholds", name) for name in ("link", "review"))
    if review > link:
        raise SettingsError(file, "thresholds.review", f"{review} is above thresholds.link ({link})")
    datasets = {name: check.dataset(name, spec) for name, spec in check.mapping(data, "datasets").items()}
    if "default" not in datasets:
        raise SettingsError(file, "datasets.default", "is missing (the rule for datasets not named)")
    trust = check.mapping(data, "trust")
    check.keys(trust, "trust", {"reviewed", "candidate"})
    reviewed = check.kinds(trust, "reviewed")
    check.kinds(trust, "candidate")
    return Settings(
        file=file, digest=digest or hashlib.sha256(repr(data).encode()).hexdigest(),
        evidence_keys=tuple(check.strings(data, "", "evidence_keys")),
        date_slack_days=check.whole(blocking, "blocking", "date_slack_days"),
        undated_lookback_days=check.whole(blocking, "blocking", "undated_lookback_days"),
        bucket_days=max(1, check.whole(blocking, "blocking", "bucket_days")),
        rules=tuple(check.rule(n, r) for n, r in enumerate(check.sequence(blocking, "blocking", "rules"))),
        prior=check.probability(model, "model", "prior", open_interval=True),
        matches_per_report=float(matches) if matches is not None else None, u_from=u_from,
        random_pairs=check.whole(model, "model", "random_pairs") if "random_pairs" in model else 200_000,
        u_prior_pairs=check.whole(model, "model", "u_prior_pairs") if "u_prior_pairs" in model else 2000,
        comparisons=tuple(check.comparison(n, c) for n, c in enumerate(check.sequence(model, "model", "comparisons"))),
        link_threshold=link, review_threshold=review, datasets=datasets, reviewed_kinds=frozenset(reviewed),
        raw=data,
    )


class _Checker:
    """The checks of one settings file, each raising SettingsError with the key's dotted path."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, key: str, reason: str) -> None:
        raise SettingsError(self.file, key, reason)

    def keys(self, data: dict, where: str, allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                self.fail(_join(where, key), f"unknown key; expected one of {', '.join(sorted(allowed))}")

    def mapping(self, data: dict, key: str) -> dict:
        value = data.get(key)
        if not isinstance(value, dict):
            self.fail(key, "is missing" if value is None else "must be a mapping")
        return value

    def sequence(self, data: dict, where: str, key: str) -> list:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            self.fail(_join(where, key), "must be a non-empty list")
        return value

    def strings(self, data: dict, where: str, key: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(_join(where, key), "must be a list of names")
        return value

    def whole(self, data: dict, where: str, key: str) -> int:
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.fail(_join(where, key), "is missing" if value is None else f"{value!r} is not a whole number ≥ 0")
        return value

    def probability(self, data: dict, where: str, key: str, open_interval: bool = False) -> float:
        value = data.get(key)
        ok = isinstance(value, int | float) and not isinstance(value, bool) and (
            0 < value < 1 if open_interval else 0 <= value <= 1)
        if not ok:
            bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
            self.fail(_join(where, key), "is missing" if value is None else f"{value!r} must be a number {bounds}")
        return float(value)

    def rule(self, index: int, spec: Any) -> BlockingRule:
        where = f"blocking.rules[{index}]"
        if not isinstance(spec, dict):
            self.fail(where, "must be a mapping")
        self.keys(spec, where, {"name", "keys", "within_km", "dates", "one_side"})
        name = spec.get("name")
        if not isinstance(name, str):
            self.fail(f"{where}.name", "is missing")
        on = tuple(self.strings(spec, where, "keys"))
        for key in on:
            if key not in BLOCKING_KEYS:
                self.fail(f"{where}.keys", f"{key!r} is not a blocking key; expected one of {', '.join(BLOCKING_KEYS)}")
        within = spec.get("within_km")
        if within is not None and (not isinstance(within, int | float) or within <= 0):
            self.fail(f"{where}.within_km", f"{within!r} must be a distance in km above 0")
        if not on and within is None:
            self.fail(where, "needs `keys` or `within_km`")
        dates = spec.get("dates", "overlap")
        if dates not in DATE_RULES:
            self.fail(f"{where}.dates", f"{dates!r} is not one of {', '.join(DATE_RULES)}")
        one_side = spec.get("one_side")
        if one_side not in (None, *ONE_SIDE):
            self.fail(f"{where}.one_side", f"{one_side!r} is not one of {', '.join(ONE_SIDE)}")
        return BlockingRule(name, on, float(within) if within is not None else None, dates, one_side)

    def comparison(self, index: int, spec: Any) -> ComparisonSpec:
        from salvo.link.comparisons import KINDS

        where = f"model.comparisons[{index}]"
        if not isinstance(spec, dict):
            self.fail(where, "must be a mapping")
        name, kind = spec.get("name"), spec.get("kind")
        if not isinstance(name, str):
            self.fail(f"{where}.name", "is missing")
        where = f"model.comparisons.{name}"
        if kind not in KINDS:
            self.fail(f"{where}.kind", f"{kind!r} is not a comparison; known: {', '.join(sorted(KINDS))}")
        levels = []
        for n, level in enumerate(self.sequence(spec, where, "levels")):
            at = f"{where}.levels[{n}]"
            if not isinstance(level, dict) or not isinstance(level.get("name"), str):
                self.fail(at, "must be a mapping with a name")
            m = self.probability(level, at, "m", open_interval=True)
            u = self.probability(level, at, "u", open_interval=True)
            levels.append(Level(level["name"], m, u, {k: v for k, v in level.items() if k not in ("name", "m", "u")}))
        options = {k: v for k, v in spec.items() if k not in ("name", "kind", "levels")}
        built = ComparisonSpec(name, kind, tuple(levels), options)
        try:
            KINDS[kind].from_spec(built)
        except (KeyError, TypeError, ValueError) as exc:
            self.fail(where, str(exc))
        return built

    def dataset(self, name: str, spec: Any) -> DatasetRule:
        where = f"datasets.{name}"
        if not isinstance(spec, dict):
            self.fail(where, "must be a mapping")
        self.keys(spec, where, {"kind", "rank", "within", "when", "distinct_within", "together_by"})
        if spec.get("kind") not in SOURCE_KINDS:
            self.fail(f"{where}.kind", f"{spec.get('kind')!r} is not one of {', '.join(SOURCE_KINDS)}")
        rank = self.whole(spec, where, "rank")
        within = spec.get("within", "never")
        if within not in WITHIN:
            self.fail(f"{where}.within", f"{within!r} is not one of {', '.join(WITHIN)}")
        if within == "when" and not isinstance(spec.get("when"), str):
            self.fail(f"{where}.when", "names the evidence flag that allows a same-dataset link")
        return DatasetRule(name, spec["kind"], rank, within, spec.get("when"), spec.get("distinct_within"),
                           spec.get("together_by"))

    def kinds(self, data: dict, key: str) -> list[str]:
        values = self.strings(data, "trust", key)
        for value in values:
            if value not in SOURCE_KINDS:
                self.fail(f"trust.{key}", f"{value!r} is not one of {', '.join(SOURCE_KINDS)}")
        return values


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key

"""Linkage settings are checked whole: a bad file is refused, naming the file, the key and why, before anything runs."""

from __future__ import annotations

import copy

import pytest
import yaml

from salvo.link.settings import SettingsError, default_path, load_settings, parse_settings


@pytest.fixture
def shipped() -> dict:
    return yaml.safe_load(default_path().read_text(encoding="utf-8"))


def refused(data: dict) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        parse_settings(data, "my-settings.yaml")
    return caught.value


def test_the_shipped_settings_are_valid():
    settings = load_settings()
    assert settings.link_threshold > settings.review_threshold
    assert {c.name for c in settings.comparisons} >= {"date", "place", "munitions", "actor"}
    assert settings.dataset("a-dataset-nobody-named").within == "never"


def test_an_unknown_comparison_is_refused(shipped):
    data = copy.deepcopy(shipped)
    data["model"]["comparisons"][0]["kind"] = "date_exact"
    error = refused(data)
    assert (error.file, error.key) == ("my-settings.yaml", "model.comparisons.date.kind")
    assert "'date_exact' is not a comparison" in error.reason


def test_an_unknown_level_is_refused(shipped):
    data = copy.deepcopy(shipped)
    data["model"]["comparisons"][0]["levels"][1]["name"] = "same_week"
    assert "level 'same_week' is not known to date_window comparisons" in str(refused(data))


def test_a_bad_threshold_is_refused(shipped):
    data = copy.deepcopy(shipped)
    data["thresholds"]["link"] = 1.5
    assert refused(data).key == "thresholds.link"
    data["thresholds"] = {"link": 0.5, "review": 0.8}
    assert "above thresholds.link" in str(refused(data))


def test_a_missing_field_is_refused(shipped):
    data = copy.deepcopy(shipped)
    del data["model"]["comparisons"][0]["levels"][0]["m"]
    assert refused(data).key == "model.comparisons.date.levels[0].m"
    data = copy.deepcopy(shipped)
    del data["datasets"]["default"]
    assert refused(data).key == "datasets.default"


def test_a_misspelt_key_is_refused(shipped):
    data = copy.deepcopy(shipped)
    data["blocking"]["rules"][0]["key"] = ["country"]
    error = refused(data)
    assert error.key == "blocking.rules[0].key" and "unknown key" in error.reason


def test_a_file_that_is_not_yaml_is_refused(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("model: [unclosed", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert caught.value.file == str(path) and "is not YAML" in caught.value.reason


def test_link_refuses_bad_settings_before_writing_anything(tmp_path, sqlite_store):
    from typer.testing import CliRunner

    from salvo.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text(default_path().read_text(encoding="utf-8").replace("link: 0.", "link: 7."), encoding="utf-8")
    result = CliRunner().invoke(app, ["link", "--db", sqlite_store.url, "--settings", str(bad)])
    assert result.exit_code == 1
    assert "thresholds.link" in result.output and "nothing was linked" in result.output

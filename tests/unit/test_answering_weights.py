"""The answerer's weights: one frozen structure, every field documented, no copy left inline."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from assistant.answering import weights as module
from assistant.answering.weights import WEIGHTS, AnsweringWeights

ANSWERING = Path(module.__file__).parent


def test_the_weights_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        WEIGHTS.context = 1.0  # type: ignore[misc]


def test_every_weight_says_what_it_does():
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "AnsweringWeights")
    documented = {
        a.target.id
        for a, b in zip(cls.body, cls.body[1:])
        if isinstance(a, ast.AnnAssign)
        and isinstance(a.target, ast.Name)
        and isinstance(b, ast.Expr)
        and isinstance(b.value, ast.Constant)
        and isinstance(b.value.value, str)
    }
    assert documented == {f.name for f in dataclasses.fields(AnsweringWeights)}


def test_no_module_of_the_answerer_multiplies_a_score_by_a_bare_number():
    # "factor *= 0.6", "score += 2.0": a weight written inline instead of named here.
    inline = re.compile(
        r"\b(?:factor|score|bonus|place_factor|document_factor)\s*[*+-]?=\s*[-\d.]+\s*(?:\*\*|#|$)"
    )
    found = [
        f"{p.name}:{n}"
        for p in sorted(ANSWERING.glob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if inline.search(line) and not re.search(r"=\s*(?:0\.0|1\.0|0)\s*(?:#|$)", line)
    ]
    assert not found, found

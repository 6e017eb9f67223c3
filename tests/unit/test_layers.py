"""The import graph of assistant/ and ingest/ reads top-down, with no cycles.

Each module belongs to the first layer (top to bottom) whose prefix names it. A module may
import its own layer and any layer below; an import of a layer above, or a cycle among
modules, fails here with the offending edge, so a shortcut is caught the day it is written
rather than when the next engineer tries to move a file. Every import counts, including
ones inside functions or under ``TYPE_CHECKING``: a late import hides a dependency, it
does not remove it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The one declaration of the order, top first. Peers share a layer when neither needs the
# other (evaluation and the API are both clients of the service).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("cli", ("assistant.cli",)),
    ("api", ("assistant.api", "assistant.evaluation")),
    ("channels", ("assistant.channels",)),
    (
        "service",
        (
            "assistant.service",
            "assistant.documents",
            "assistant.conversation",
            "assistant.facts_table",
            "assistant.feedback",
        ),
    ),
    ("answering", ("assistant.answering", "assistant.grounding", "assistant.prompts")),
    ("retrieval", ("assistant.retrieval",)),
    # ingest writes the index through its contract (store, contract, embeddings); it knows
    # nothing of retrieval or answering, and nothing below it knows ingest.
    ("ingest", ("ingest",)),
    ("index", ("assistant.index",)),
    # Dependency-free ground every layer stands on: settings, the answer schemas, input
    # hygiene, metrics, logging, packaged resources.
    (
        "core",
        (
            "assistant.settings",
            "assistant.databases",
            "assistant.schemas",
            "assistant.inputs",
            "assistant.observability",
            "assistant.logs",
            "assistant.private",
            "assistant.resources",
            "assistant",  # the package itself (an empty __init__)
        ),
    ),
]

# Upward imports accepted for now, each with its reason: (importer, imported) -> why.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in ("assistant", "ingest") for p in sorted((ROOT / pkg).rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module an import names: ``a.b.c`` may be a module or a name in ``a.b``."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import mod`` imports the submodule when there is one.
            names = [f"{base}.{a.name}" for a in node.names] or [base]
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {m: _imports(m, p, modules) for m, p in modules.items()}


def layer_of(module: str) -> int:
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/unit/test_layers.py")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_module_has_a_layer():
    for module in _modules():
        layer_of(module)


def test_no_module_imports_a_layer_above_its_own():
    names = [name for name, _ in LAYERS]
    upward = [
        f"{m} ({names[layer_of(m)]}) imports {d} ({names[layer_of(d)]})"
        for m, deps in sorted(_graph().items())
        for d in sorted(deps)
        if layer_of(d) < layer_of(m) and (m, d) not in KNOWN_EXCEPTIONS
    ]
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_known_exceptions_are_still_needed():
    # An exception whose import is gone should leave the list, or it excuses the next one.
    graph = _graph()
    stale = [edge for edge in KNOWN_EXCEPTIONS if edge[1] not in graph.get(edge[0], set())]
    assert not stale


@pytest.mark.parametrize(
    ("graph", "cycles"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, cycles):
    assert _cycles(graph) == cycles


def test_the_import_reader_sees_late_and_relative_imports(tmp_path):
    modules = {
        "pkg": tmp_path / "pkg/__init__.py",
        "pkg.a": tmp_path / "pkg/a.py",
        "pkg.b": tmp_path / "pkg/b.py",
    }
    (tmp_path / "pkg").mkdir()
    modules["pkg"].write_text("")
    modules["pkg.b"].write_text("")
    modules["pkg.a"].write_text("def f():\n    from . import b\n    from pkg.b import thing\n")
    assert _imports("pkg.a", modules["pkg.a"], modules) == {"pkg.b"}


def test_routers_and_channels_go_through_the_services_not_the_store():
    # The API's routers and the channels call AnswerService and DocumentService; reaching
    # into ``.store`` beside them is how a second, unchecked way to read the index starts.
    # (assistant/api/app.py wires the services from the store: that is its job.)
    offenders = []
    for module, path in sorted(_modules().items()):
        if not (module.startswith("assistant.api.routers") or module.startswith("assistant.channels")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "store":
                offenders.append(f"{module}:{node.lineno}")
    assert not offenders, "reads .store directly: " + ", ".join(offenders)

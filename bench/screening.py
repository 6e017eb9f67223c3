"""Injection screening, measured: recall on a variant set and false positives on real documents.

    .venv/bin/python -m bench.screening [--variants tests/fixtures/injection_variants.jsonl]
        [--corpus ../shared/corpus/reform.jsonl ../shared/corpus/tthc_decisions.jsonl ../shared/corpus/general.jsonl]

Each phrasing of the variant set is tried as written and under six disguises an attacker uses
to slip past a pattern (zero-width spaces or soft hyphens inside words, Cyrillic or Greek
look-alike letters, full-width forms, and all of them at once), embedded in a sentence of report
prose. Prints one JSON object: recall overall and per disguise, the misses, and the documents of
the corpus that trip the screen (the false positives; they must stay 0).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from ingest.screening import instructions_to_ai

VARIANTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "injection_variants.jsonl"
_CYRILLIC = str.maketrans("aeopcxyiAEOPCXTHKM", "аеорсхуіАЕОРСХТНКМ")
_GREEK = str.maketrans("oiakvtuABEHIKMNOPTXYZ", "οιακντυΑΒΕΗΙΚΜΝΟΡΤΧΥΖ")
PROSE = (
    "Năm 2024, tỉnh đã cung cấp 1.250 dịch vụ công trực tuyến toàn trình. {} Kết quả được công bố công khai."
)


def _inside_words(text: str, mark: str) -> str:
    # After the second letter of every word of four letters or more: the pattern's words are split.
    return " ".join(w[:2] + mark + w[2:] if len(w) >= 4 else w for w in text.split(" "))


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


DISGUISES: dict[str, Callable[[str], str]] = {
    "plain": lambda t: t,
    "zero-width": lambda t: _inside_words(t, "\u200b"),
    "soft-hyphen": lambda t: _inside_words(t, "\u00ad"),
    "cyrillic": lambda t: t.translate(_CYRILLIC),
    "greek": lambda t: t.translate(_GREEK),
    "full-width": _full_width,
    "all-at-once": lambda t: _inside_words(_inside_words(t.translate(_CYRILLIC), "\u200d"), "\u00ad"),
}


def variants(path: Path = VARIANTS) -> list[tuple[str, str, str]]:
    """(disguise, phrasing, disguised text in prose) for every phrasing and disguise."""
    phrasings = [
        json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return [(name, p, PROSE.format(fn(p))) for p in phrasings for name, fn in DISGUISES.items()]


def recall(path: Path = VARIANTS) -> dict[str, object]:
    rows = variants(path)
    caught = {name: [0, 0] for name in DISGUISES}
    misses = []
    for name, phrasing, text in rows:
        hit = instructions_to_ai(text) is not None
        caught[name][0] += hit
        caught[name][1] += 1
        if not hit:
            misses.append(f"{name}: {phrasing}")
    total = sum(c for c, _ in caught.values())
    return {
        "variants": len(rows),
        "caught": total,
        "recall": round(total / len(rows), 4),
        "by_disguise": {k: f"{c}/{n}" for k, (c, n) in caught.items()},
        "misses": misses,
    }


def false_positives(paths: list[Path]) -> dict[str, object]:
    flagged, n, started = [], 0, time.perf_counter()
    for path in paths:
        for line in path.read_text(encoding="utf-8").split("\n"):  # not splitlines(): U+2028 sits in strings
            if not line.strip():
                continue
            doc = json.loads(line)
            n += 1
            hit = instructions_to_ai(f"{doc.get('title', '')}\n{doc.get('text', '')}")
            if hit:
                flagged.append({"doc_id": doc.get("doc_id"), "passage": hit})
    return {
        "documents": n,
        "false_positives": len(flagged),
        "flagged": flagged[:20],
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--variants", type=Path, default=VARIANTS)
    ap.add_argument("--corpus", type=Path, nargs="*", default=sorted(shared.glob("*.jsonl")))
    args = ap.parse_args()
    print(
        json.dumps(
            {"recall": recall(args.variants), "corpus": false_positives(args.corpus)},
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

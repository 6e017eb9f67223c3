"""Arguments every evaluation bench takes: a question set, its documents, distractors."""

from __future__ import annotations

import argparse
from pathlib import Path


def eval_set_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--qa", type=Path, required=True, help="questions (JSONL)")
    ap.add_argument("--docs", type=Path, required=True, help="documents to index (JSONL)")
    ap.add_argument("--distractors", type=Path, help="extra documents (JSONL)")
    ap.add_argument("--n", type=int, default=1000, help="how many distractors (first N)")
    ap.add_argument("--data-dir", type=Path, default=Path(".cchc"), help="holds the embedding cache")

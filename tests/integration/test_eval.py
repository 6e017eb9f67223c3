"""`cchc eval` end to end: contract of its output, on real dev questions the sample answers."""

import json
import subprocess
import sys
from pathlib import Path

from ..conftest import SAMPLE, shared_path

KEYS = {"n", "recall@1", "recall@5", "recall@10", "mrr@10", "answer_accuracy", "abstain_accuracy",
        "false_abstain_rate", "latency_ms_p50", "latency_ms_p95", "per_type", "lead_accuracy", "wrong_lead_rate", "misses"}


def test_eval_on_the_dev_questions_the_sample_can_answer(tmp_path: Path, embed_cache_dir: Path):
    dev = shared_path("eval", "reform_dev.jsonl")
    sample_docs = SAMPLE / "reform_sample.jsonl"
    ids = {json.loads(line)["doc_id"] for line in sample_docs.read_text(encoding="utf-8").splitlines() if line.strip()}
    rows = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    subset = [r for r in rows if (r["gold_doc_ids"] and set(r["gold_doc_ids"]) <= ids) or not r["answers"]]
    assert len(subset) >= 15
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in subset), encoding="utf-8")
    # --data-dir only supplies the embedding cache the session's sample index already filled.
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "embeddings.sqlite").symlink_to(embed_cache_dir / "embeddings.sqlite")
    out = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "eval", "--qa", str(qa), "--docs", str(sample_docs),
         "--json", "--data-dir", str(data_dir)],
        capture_output=True, text=True, check=True, timeout=600,
    )
    report = json.loads(out.stdout)
    assert set(report) >= KEYS
    assert report["n"] == len(subset)
    assert report["recall@5"] >= 0.9
    assert report["answer_accuracy"] >= 0.6, report.get("misses")
    assert report["abstain_accuracy"] >= 2 / 3
    assert 0 <= report["false_abstain_rate"] <= 0.3
    assert report["latency_ms_p95"] >= report["latency_ms_p50"] > 0
    assert 0 <= report["wrong_lead_rate"] <= 1 - report["lead_accuracy"] + 0.2
    assert all({"lead_accuracy", "wrong_lead_rate"} <= set(m) for m in report["per_type"].values())
    # Each miss says which signals weighed the statement quoted (or the best candidate).
    assert all(isinstance(m["why"], list) for m in report["misses"])

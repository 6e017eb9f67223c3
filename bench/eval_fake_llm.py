"""`cchc eval` in LLM mode against the tests' fake OpenAI-compatible server, which
paraphrases the best-matching source sentence ("Theo nguồn [n], …"): it measures the
LLM path (prompting, verification, citation quoting, fallbacks) without a real model.

    python -m bench.eval_fake_llm --qa ../shared/eval/reform_dev.jsonl --docs ../shared/corpus/reform.jsonl
"""

from __future__ import annotations

import argparse
import json
import socket
from pathlib import Path

from assistant.evaluation import run_eval
from assistant.settings import Settings
from tests.fakes import openai_server


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qa", type=Path, required=True)
    ap.add_argument("--docs", type=Path, required=True)
    ap.add_argument("--distractors", type=Path)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--model", default="paraphrase")
    ap.add_argument("--data-dir", type=Path, default=Path(".cchc"))
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = openai_server.start(port)
    settings = Settings(
        data_dir=args.data_dir, llm=f"openai:{args.model}", llm_base_url=f"http://127.0.0.1:{port}/v1", llm_max_retries=0
    )
    report = run_eval(settings, args.qa, args.docs, args.distractors, args.n, quiet=True)
    server.should_exit = True
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()

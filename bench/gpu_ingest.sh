#!/usr/bin/env bash
# Issue 20's GPU figures, on a GPU machine that has PyTorch but not this project's packages:
# an e5-small-shaped embeddings server on the GPU (bench/gpu_embeddings_server.py), then
# bench/ingest_throughput.py against it — requests 4 and 1 at a time — and the zero-cost
# embedder's pipeline held to two of the machine's cores (taskset), as on the 2-core machines.
#
#   bash bench/gpu_ingest.sh DIR
#
# DIR holds tokenizer.json.gz, config.json and corpus.jsonl.gz, and .whl/ the wheels of this
# project's dependencies such a machine lacks: bench/gpu_prepare.sh makes both here (DIR=.gpu).
# With the device tool: run(command="bash bench/gpu_ingest.sh .gpu", carry=[".whl", ".gpu"]),
# about 6 minutes of the machine's time (a 2-core simulation with DEVICE=cpu ran it end to end).
# Figures go to $OUT.
set -u
DIR=${1:?usage: gpu_ingest.sh DIR}
OUT=${OUT:-/tmp/gpu-ingest}
LIMIT=${LIMIT:-4000}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { echo "wheels did not install"; exit 1; }
fi
zcat "$DIR/tokenizer.json.gz" >/tmp/tokenizer.json
zcat "$DIR/corpus.jsonl.gz" >/tmp/corpus.jsonl
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; nproc; } | tee "$OUT/machine.txt"
SERVER=(python3 -m bench.gpu_embeddings_server --tokenizer /tmp/tokenizer.json --config "$DIR/config.json" --device "${DEVICE:-cuda}")
# The server runs on the machine's own packages (torch, transformers, aiohttp); the bench on ours.
PYTHONPATH=$PWD timeout 90 "${SERVER[@]}" --selftest /tmp/corpus.jsonl | tee "$OUT/model_alone.jsonl"
PYTHONPATH=$PWD "${SERVER[@]}" --port 8089 >"$OUT/server.log" 2>&1 &
for _ in $(seq 60); do
  python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8089/v1/models', timeout=2)" 2>/dev/null && break
  sleep 1
done
export PYTHONPATH=/tmp/site:$PWD
BENCH=(python3 -m bench.ingest_throughput --embedder openai:multilingual-e5-small-shaped
       --base-url http://127.0.0.1:8089/v1 --input-mode e5 --docs /tmp/corpus.jsonl)
nvidia-smi --query-gpu=timestamp,utilization.gpu --format=csv,noheader -lms 250 >"$OUT/gpu_util.csv" &
UTIL=$!
timeout 240 "${BENCH[@]}" --limit "$LIMIT" --concurrency 4 >"$OUT/ingest_c4.json" 2>>"$OUT/bench.err"
kill $UTIL
timeout 120 "${BENCH[@]}" --limit $((LIMIT / 2)) --concurrency 1 >"$OUT/ingest_c1.json" 2>>"$OUT/bench.err"
timeout 100 taskset -c 0,1 python3 -m bench.ingest_throughput --embedder zero --docs /tmp/corpus.jsonl --limit 1000 \
  >"$OUT/zero_2cores.json" 2>>"$OUT/bench.err"
tail -n 20 "$OUT/bench.err" "$OUT/server.log"
cat "$OUT"/ingest_c4.json "$OUT"/ingest_c1.json "$OUT"/zero_2cores.json

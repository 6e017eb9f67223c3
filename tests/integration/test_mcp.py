"""The MCP server through the SDK's own client: over stdio (`cchc mcp`, a real subprocess) and
over streamable HTTP at /mcp on a real `cchc serve`, guarded by the query keys."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from assistant.api.security import hash_key

from ..conftest import ADMIN_KEY, admin_server

QUERY_KEY = "cchc_test-query-key-mcp-0123456789"
QUESTION = "what share of procedures are fully online in Hà Giang?"
TOOLS = {"ask", "search", "get_document", "facts", "list_provinces"}


def _payload(result) -> object:
    """A tool result's structured content (the SDK wraps a list as {'result': …})."""
    assert not result.is_error, result.content
    data = result.structured_content
    if data is None:
        data = json.loads(result.content[0].text)
    return data.get("result", data) if isinstance(data, dict) and set(data) == {"result"} else data


async def _exercise(client: Client) -> dict[str, object]:
    """What every transport must serve: the tools with bilingual descriptions, a cited answer,
    passages with offsets into the document, the document itself, facts, provinces, resources."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    ask_description = tools["ask"].description or ""
    assert "trích dẫn" in ask_description and "citations" in ask_description
    for tool in tools.values():  # each one said in Vietnamese, then in English
        vi, _, en = (tool.description or "").partition(" / ")
        assert any(c in vi for c in "ăâđêôơư") and re.search(r"\b(?:the|of|by|with|and)\b", en), tool.name

    answer = _payload(await client.call_tool("ask", {"question": QUESTION}))
    assert answer["answerable"] and answer["citations"]  # type: ignore[index]
    cite = answer["citations"][0]  # type: ignore[index]

    doc = _payload(await client.call_tool("get_document", {"doc_id": cite["doc_id"]}))
    assert doc["text"][cite["start"] : cite["end"]] == cite["quote"]  # type: ignore[index]

    passages = _payload(await client.call_tool("search", {"query": QUESTION, "k": 3}))
    assert 1 <= len(passages) <= 3  # type: ignore[arg-type]
    first = passages[0]  # type: ignore[index]
    text = _payload(await client.call_tool("get_document", {"doc_id": first["doc_id"]}))["text"]  # type: ignore[index]
    assert text[first["start"] : first["end"]] == first["text"]
    # Where it sits and how it was read, as a citation says: the sample's pages are typed, no scan.
    assert (first["ocr"], first["ocr_confidence"]) == (False, None) and {"path", "page"} <= set(first)

    provinces = _payload(await client.call_tool("list_provinces", {}))
    assert any("Hà Giang" in p["old_names"] for p in provinces)  # type: ignore[union-attr]
    facts = _payload(await client.call_tool("facts", {"limit": 5}))
    assert isinstance(facts, list) and len(facts) <= 5

    bad = await client.call_tool("ask", {"question": QUESTION, "province": "Atlantis"})
    assert bad.is_error and "Atlantis" in bad.content[0].text
    empty = await client.call_tool("ask", {"question": "   "})
    assert empty.is_error

    listing = await client.read_resource("cchc://documents")
    docs = json.loads(listing.contents[0].text)
    assert cite["doc_id"] in {d["doc_id"] for d in docs}
    body = await client.read_resource(f"cchc://documents/{cite['doc_id']}")
    assert cite["quote"] in body.contents[0].text
    return answer  # type: ignore[return-value]


def test_stdio_transport(sample_index: Path) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "assistant.cli", "mcp", "--data-dir", str(sample_index)])

    async def main() -> dict[str, object]:
        async with Client(params, read_timeout_seconds=120) as client:
            return await _exercise(client)

    answer = anyio.run(main)
    assert answer["language"] == "en"


@pytest.fixture(scope="module")
def keyed_server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"CCHC_QUERY_API_KEYS": hash_key(QUERY_KEY)}
    with admin_server(sample_index, tmp_path_factory.mktemp("mcp"), env) as base:
        yield base


def test_streamable_http_transport_behind_query_keys(keyed_server: str) -> None:
    async def main(key: str) -> dict[str, object]:
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=120)
        async with http, Client(streamable_http_client(f"{keyed_server}/mcp", http_client=http)) as client:
            return await _exercise(client)

    answer = anyio.run(main, QUERY_KEY)
    # The same verified answer as POST /v1/ask gives.
    api = httpx.post(f"{keyed_server}/v1/ask", json={"question": QUESTION}, timeout=120,
                     headers={"Authorization": f"Bearer {QUERY_KEY}"}).json()
    assert answer["answer"] == api["answer"]
    assert [c["url"] for c in answer["citations"]] == [c["url"] for c in api["citations"]]  # type: ignore[union-attr]
    assert anyio.run(main, ADMIN_KEY)["answer"] == api["answer"]  # admin keys pass too, as on /v1


def test_http_transport_refuses_without_a_key(keyed_server: str) -> None:
    init = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    for auth in ({}, {"Authorization": "Bearer wrong"}):
        r = httpx.post(f"{keyed_server}/mcp", json=init, headers={**headers, **auth})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert "query key" in r.json()["message"]


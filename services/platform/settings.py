"""One settings object, read once at start-up from the environment and `.env`.

Every value is validated here so a bad deployment fails loudly before serving a request.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,60}[a-z0-9]$")

MIB = 1024 * 1024


class TableAlias(BaseModel):
    """An admin-API alias: the real DynamoDB table name, its partition key attribute and, for
    a composite primary key, its sort key attribute (addressed as `sortId` by the admin API)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{3,255}$")]
    key: Annotated[str, Field(min_length=1, max_length=255)]
    sort_key: Annotated[
        str | None,
        Field(min_length=1, max_length=255, validation_alias=AliasChoices("sort_key", "sortKey")),
    ] = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    env: Literal["development", "test", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)

    # AWS. With no endpoint and no credentials the embedded local stack is used.
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    use_local_stack: bool | None = None
    table_prefix: str = "pre-work"
    stage: str = "dev"
    media_bucket: str | None = None
    thumbnails_bucket: str | None = None
    documents_bucket: str | None = None
    upload_queue_name: str | None = None
    cors_allowed_origins: Annotated[list[str], NoDecode] = [
        "http://localhost:3001",
        "http://localhost:8000",
        "http://127.0.0.1:8000",
    ]
    aws_max_attempts: int = Field(default=4, ge=1, le=10)
    aws_retry_mode: Literal["standard", "adaptive"] = "standard"
    aws_connect_timeout: float = Field(default=2.0, gt=0)
    aws_read_timeout: float = Field(default=10.0, gt=0)
    aws_max_pool_connections: int = Field(default=100, ge=1, le=1000)
    # The client of the read path's GetItem/BatchGetItem/Query/Scan (services/platform/
    # dynamodb_reads.py): aiodynamo, at less than half aiobotocore's CPU per call.
    dynamodb_read_client: Literal["aiodynamo", "aiobotocore"] = "aiodynamo"

    # Cognito. JWKS URL and issuer are derived from the pool id unless set.
    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None
    cognito_jwks_url: str | None = None
    cognito_issuer: str | None = None
    jwks_cache_seconds: int = Field(default=3600, ge=0)
    # Verified tokens kept by their text, so a client's next requests skip the signature check
    # (about a fifth of a small request's CPU): until the token expires, at most
    # JWKS_CACHE_SECONDS, and only while its key is still in the key set. Revocation is still
    # checked on every request. 0 turns it off.
    token_cache_size: int = Field(default=4096, ge=0, le=1_000_000)
    jwks_timeout_seconds: float = Field(default=3.0, gt=0)
    demo_password: str = "PreWork-Demo-2026!"  # noqa: S105 - local stack only

    # API behaviour and limits.
    cursor_secret: str = "dev-only-cursor-secret-change-me"  # noqa: S105 - refused in production
    page_size_max: int = Field(default=100, ge=1, le=1000)
    # Concurrent one-to-many Queries per DataLoader wave. FANOUT_CONCURRENCY is its old name,
    # still read so existing deployments keep their value ("fan-out" now means subscriptions).
    loader_concurrency: int = Field(
        default=100,
        ge=1,
        le=1000,
        validation_alias=AliasChoices("loader_concurrency", "fanout_concurrency"),
    )
    max_query_depth: int = Field(default=10, ge=1, le=100)
    max_query_tokens: int = Field(default=2000, ge=10)
    max_aliases: int = Field(default=30, ge=1)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    max_url_bytes: int = Field(default=16 * 1024, ge=1024)
    max_subscriptions_per_connection: int = Field(default=20, ge=1)
    connection_init_timeout_seconds: float = Field(default=10.0, gt=0)
    # Off: subscription messages are small, and compressing them costs CPU per socket per
    # event plus a zlib context (~100s of kB) per connection (bench/results.md).
    ws_per_message_deflate: bool = False
    # Events queued for one subscriber whose socket is not draining, before it is disconnected.
    subscription_backlog: int = Field(default=1000, ge=1)
    # SIGTERM: in-flight requests get this long to finish; WebSockets are closed with 1012.
    graceful_shutdown_seconds: int = Field(default=20, ge=1)
    # After start-up, what the process built is frozen out of the garbage collector's passes,
    # and its young pass runs after this many new container objects (Python: 700); 0 leaves
    # the collector as Python sets it (services/runtime/collector.py).
    gc_threshold: int = Field(default=20_000, ge=0)
    parser_cache_size: int = Field(default=256, ge=1)
    validation_cache_size: int = Field(default=256, ge=1)
    introspection: bool | None = None

    # Query cost and per-client budgets (docs/limits.md). A point is about one backend call.
    max_query_cost: int = Field(default=1000, ge=1)
    cost_weight_key: int = Field(default=1, ge=0)  # a read by key (BatchGetItem/GetItem)
    cost_weight_list: int = Field(default=2, ge=1)  # a page of a Query or Scan, per parent
    cost_weight_mutation: int = Field(default=10, ge=1)  # a write (transaction + audit entry)
    # DynamoDB reads one page of a list may take (a selective filter reads on past misses);
    # the page ends early, with a cursor, after this many. At most COST_WEIGHT_LIST.
    max_reads_per_page: int = Field(default=2, ge=1)
    # Leaky bucket per viewer (per IP when anonymous): its size and how fast it drains.
    budget_points: int = Field(default=10000, ge=1)
    budget_points_per_second: float = Field(default=200.0, gt=0)
    # Revoked tokens: how many users may be revoked within REVOCATION_SECONDS (the durable
    # list is one DynamoDB item: 8000 entries of 36-character ids stay under its 400 KB),
    # for how long (the longest token lifetime: a revoked token has expired by then anyway),
    # and how often each API process reads the stored list (one GetItem each time).
    revocation_list_size: int = Field(default=5000, ge=1, le=8000)
    revocation_seconds: int = Field(default=86400, ge=1)
    revocation_poll_seconds: float = Field(default=1.0, gt=0, le=60)

    # Offline sync (`changes(since:)`, services/store/feed.py): how old a sync token may be
    # (older ones are refused with SYNC_TOKEN_EXPIRED), and how long the feed stays behind
    # now so a change stamped before its transaction committed is not passed (more than the
    # slowest write's commit delay plus clock skew between API processes).
    sync_retention_seconds: int = Field(default=7 * 86400, ge=60)
    sync_settle_seconds: float = Field(default=5.0, ge=0, le=300)

    # Media pipeline.
    max_image_bytes: int = Field(default=20 * MIB, ge=1)
    max_document_bytes: int = Field(default=50 * MIB, ge=1)
    max_image_pixels: int = Field(default=60_000_000, ge=1)
    upload_url_expiry_seconds: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    download_url_expiry_seconds: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    thumbnail_widths: tuple[int, int] = (200, 400)
    thumbnail_quality: int = Field(default=80, ge=1, le=100)
    thumbnail_threads: int = Field(default=2, ge=1, le=32)
    worker_wait_seconds: int = Field(default=10, ge=0, le=20)
    worker_visibility_timeout: int = Field(default=60, ge=1)
    worker_max_receives: int = Field(default=5, ge=1)
    run_worker_in_process: bool | None = None

    # Fan-out of subscription events across processes.
    redis_url: str | None = None

    # Persisted operations (docs/frontend.md). Automatic persisted queries: documents by their
    # SHA-256, in Redis with REDIS_URL (kept this long after their last registration), else in
    # this process (at most this many, least recently used dropped); documents over this size
    # are not stored. TRUSTED_DOCUMENTS (a path or s3://bucket/key of a Codegen or Apollo
    # manifest): only its operations run, registration is off. Typically production only.
    persisted_queries: bool = True
    persisted_queries_cache_size: int = Field(default=1000, ge=1)
    persisted_queries_ttl_seconds: int = Field(default=7 * 86400, ge=60)
    persisted_query_max_bytes: int = Field(default=64 * 1024, ge=256)
    trusted_documents: str | None = None

    # Observability.
    otel_exporter_otlp_endpoint: str | None = None

    # Admin table API: JSON object alias -> {"table": ..., "key": ..., "sort_key": ...},
    # merged over the defaults.
    admin_table_aliases: dict[str, TableAlias] = {}

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("admin_table_aliases")
    @classmethod
    def _alias_names(cls, value: dict[str, TableAlias]) -> dict[str, TableAlias]:
        for alias in value:
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", alias):
                raise ValueError(f"invalid admin table alias {alias!r}: use 1-64 of [A-Za-z0-9_-]")
        return value

    @field_validator("trusted_documents")
    @classmethod
    def _manifest_source(cls, value: str | None) -> str | None:
        if value is not None:
            bucket, _, key = value.removeprefix("s3://").partition("/")
            if not value.strip() or (value.startswith("s3://") and not (bucket and key)):
                raise ValueError("must be a file path or s3://bucket/key")
        return value

    @field_validator("table_prefix", "stage")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", value):
            raise ValueError("must be 1-40 characters of letters, digits, '_', '.', '-'")
        return value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        for bucket in (self.media_bucket, self.thumbnails_bucket, self.documents_bucket):
            if bucket is not None and not _NAME.fullmatch(bucket):
                raise ValueError(f"invalid S3 bucket name: {bucket!r}")
        if self.env == "production" and self.cursor_secret.startswith("dev-only"):
            raise ValueError("CURSOR_SECRET must be set in production")
        if self.max_reads_per_page > self.cost_weight_list:
            raise ValueError("MAX_READS_PER_PAGE must be at most COST_WEIGHT_LIST")
        if self.budget_points < self.max_query_cost:
            raise ValueError("BUDGET_POINTS must be at least MAX_QUERY_COST")
        return self

    # Derived names -----------------------------------------------------------------

    @property
    def local(self) -> bool:
        """Whether `serve` should start the embedded moto stack."""
        if self.use_local_stack is not None:
            return self.use_local_stack
        return self.aws_endpoint_url is None and self.env != "production"

    @property
    def worker_in_process(self) -> bool:
        if self.run_worker_in_process is not None:
            return self.run_worker_in_process
        return self.local

    @property
    def introspection_enabled(self) -> bool:
        if self.introspection is not None:
            return self.introspection
        return self.env != "production"

    def table(self, entity: str) -> str:
        """The real table name of an entity, `{prefix}-{entity}-{stage}`."""
        return f"{self.table_prefix}-{entity}-{self.stage}"

    @property
    def media_bucket_name(self) -> str:
        return self.media_bucket or f"{self.table_prefix}-media-uploads-{self.stage}"

    @property
    def thumbnails_bucket_name(self) -> str:
        return self.thumbnails_bucket or f"{self.table_prefix}-thumbnails-{self.stage}"

    @property
    def documents_bucket_name(self) -> str:
        return self.documents_bucket or f"{self.table_prefix}-documents-{self.stage}"

    @property
    def queue_name(self) -> str:
        return self.upload_queue_name or f"{self.table_prefix}-uploads-{self.stage}"

    @property
    def jwks_url(self) -> str | None:
        if self.cognito_jwks_url:
            return self.cognito_jwks_url
        if not self.cognito_user_pool_id:
            return None
        return f"{self.cognito_base_url}/{self.cognito_user_pool_id}/.well-known/jwks.json"

    @property
    def issuer(self) -> str | None:
        if self.cognito_issuer:
            return self.cognito_issuer
        if not self.cognito_user_pool_id:
            return None
        # Tokens name the AWS URL as issuer even when a local stack signs them.
        return f"https://cognito-idp.{self.aws_region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def cognito_base_url(self) -> str:
        if self.aws_endpoint_url:
            return self.aws_endpoint_url.rstrip("/")
        return f"https://cognito-idp.{self.aws_region}.amazonaws.com"

    @property
    def table_aliases(self) -> dict[str, TableAlias]:
        """Admin-API aliases: the service's tables, then ADMIN_TABLE_ALIASES over them."""
        # A plain property, not cached: `model_copy(update=...)` copies cached values, so a
        # cached map would ignore aliases added to a copy (tests and embedders do that).
        defaults = {
            "Users": TableAlias(table=self.table("users"), key="userId"),
            "Profiles": TableAlias(table=self.table("profiles"), key="profileId"),
            "Submissions": TableAlias(table=self.table("submissions"), key="submissionId"),
            "Media": TableAlias(table=self.table("media"), key="mediaId"),
            "AuditLog": TableAlias(table=self.table("audit-log"), key="logId"),
            "ImageCollections": TableAlias(
                table=self.table("image-collections"), key="userId", sort_key="collectionId"
            ),
        }
        return {**defaults, **self.admin_table_aliases}

"""Prometheus metrics shared by the API and the worker (prometheus-client's default registry)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "prework_graphql_requests_total",
    "GraphQL operations by operation name and outcome",
    ["operation", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "prework_graphql_request_seconds", "GraphQL operation latency", ["operation"]
)
AWS_CALLS = Counter(
    "prework_aws_calls_total", "AWS API calls by service and operation", ["service", "operation"]
)
AWS_CALL_SECONDS = Histogram(
    "prework_aws_call_seconds", "AWS API call latency", ["service", "operation"]
)
WORKER_PROCESSED = Counter(
    "prework_worker_processed_total", "Uploads processed by the worker by outcome", ["outcome"]
)
WORKER_SECONDS = Histogram("prework_worker_seconds", "Time to process one upload")
# livesum: with several workers, the scrape shows the total over live processes.
SUBSCRIPTIONS_OPEN = Gauge(
    "prework_subscriptions_open", "Open GraphQL subscriptions", multiprocess_mode="livesum"
)
SUBSCRIPTION_STREAMS = Gauge(
    "prework_subscription_streams",
    "Running subscription streams: equal subscriptions on one process share one",
    multiprocess_mode="livesum",
)


SUBSCRIPTION_EXECUTIONS = Counter(
    "prework_subscription_executions_total",
    "Subscription events executed, by whether the result was computed or shared with an "
    "identical subscription (same document, variables and viewer)",
    ["mode"],
)
SLOW_SUBSCRIBERS = Counter(
    "prework_slow_subscribers_total",
    "Subscriptions disconnected (1013): their socket fell SUBSCRIPTION_BACKLOG events behind",
)
EVENTS_DROPPED = Counter(
    "prework_events_dropped_total",
    "Subscription events not published because Redis was unreachable",
    ["channel"],
)

QUERY_COST = Histogram(
    "prework_query_cost",
    "Static cost of GraphQL operations (points, docs/limits.md)",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500),
)
REFUSED_BY_COST = Counter(
    "prework_refused_total",
    "Operations refused before execution, by reason (QUERY_TOO_COSTLY, THROTTLED)",
    ["reason"],
)
BUDGET_UNCHECKED = Counter(
    "prework_budget_unchecked_total",
    "Requests let through unmetered because Redis did not answer the budget check",
)
REVOCATIONS = Counter(
    "prework_revocations_total", "Token revocations received by this process (users)"
)


def exposition() -> tuple[bytes, str]:
    """The text exposition format and its content type.

    With `PROMETHEUS_MULTIPROC_DIR` set (several uvicorn workers), prometheus-client writes each
    process's values there and this aggregates them, so one scrape sees every worker.
    """
    registry: CollectorRegistry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST

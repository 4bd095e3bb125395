"""leadloop's Prometheus instruments, in one place so every name is defined once.

Part of the bot core: it imports nothing of ours, so the wiring (HTTP, the Slack client, the
scheduler) and the jobs and handlers that count things (routing, once it lands) may all use
it. The values live in this process's default registry: each `serve` process exposes its
own, and Prometheus adds them up across replicas. The workers of `serve --workers` are one
replica: the supervisor sets PROMETHEUS_MULTIPROC_DIR for them (prometheus_client's own
variable, read when it is imported), each counts into files there, and /metrics adds up
every worker's, those of workers that died included (`exposed_registry`).
"""

import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.multiprocess import MultiProcessCollector

# A `_created` series beside every counter doubles the page and says nothing here.
disable_created_metrics()

JOB_KINDS = ("digest", "nudges", "webhook")

HTTP_REQUESTS = Counter(
    "leadloop_http_requests",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "leadloop_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0, 10.0),
)
# digest and nudges: one run per team that had something due; webhook: one delivery attempt.
JOB_RUNS = Counter("leadloop_job_runs", "Job runs that did work, by kind.", ["kind"])
JOB_FAILURES = Counter(
    "leadloop_job_failures", "Job runs that failed (raised, or a post gave up), by kind.", ["kind"]
)
# Read from the database at each scrape: with workers, the worker scraped last is right.
OUTBOX_DEPTH = Gauge(
    "leadloop_webhook_outbox_depth",
    "Feedback events waiting to be delivered to the CRM.",
    multiprocess_mode="mostrecent",
)
OUTBOX_OLDEST_AGE = Gauge(
    "leadloop_webhook_outbox_oldest_age_seconds",
    "Age of the oldest undelivered feedback event (0 when none waits).",
    multiprocess_mode="mostrecent",
)
SLACK_API_ERRORS = Counter(
    "leadloop_slack_api_errors",
    "Slack Web API calls that failed: an error answer, a 5xx or a lost connection.",
    ["method", "error"],
)
SLACK_RATE_LIMITED = Counter(
    "leadloop_slack_rate_limited",
    "Slack Web API answers of 429 (each is retried after Retry-After), by method.",
    ["method"],
)
LEADS_ROUTED = Counter("leadloop_leads_routed", "Leads given to a rep or a routing channel.")
LEADS_CLAIMED = Counter("leadloop_leads_claimed", "Leads claimed from a routing channel.")
LEADS_BREACHED = Counter(
    "leadloop_leads_breached", "Leads whose first-touch deadline passed without a touch."
)

for _kind in JOB_KINDS:
    JOB_RUNS.labels(kind=_kind)
    JOB_FAILURES.labels(kind=_kind)


def exposed_registry() -> CollectorRegistry:
    """What /metrics shows: this process's figures, or every worker's under `--workers`."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry

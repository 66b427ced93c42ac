# syntax=docker/dockerfile:1
# The Pre-Work API image: `prework serve` (uvicorn) by default, `prework worker` for the
# SQS thumbnail worker. Build: docker build -t prework . (BuildKit, for the pip cache mount)

# ---------------------------------------------------------------- builder
FROM python:3.11.14-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
# Every dependency has a manylinux wheel, so no compiler is needed. The `otel` extra is
# included so tracing needs only OTEL_EXPORTER_OTLP_ENDPOINT (it is not imported otherwise).
COPY pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['otel']))" \
        > requirements.txt \
    && pip install --only-binary=:all: -r requirements.txt

COPY . .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-deps . \
    && prework --help > /dev/null

# ---------------------------------------------------------------- runtime
FROM python:3.11.14-slim-bookworm

RUN groupadd --system --gid 10001 prework \
    && useradd --system -l --uid 10001 --gid prework --home-dir /nonexistent \
        --no-create-home --shell /usr/sbin/nologin prework

COPY --from=builder /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=1

WORKDIR /app
USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]

# uvicorn with WORKERS processes (settings). One per container scales best behind a load
# balancer; with more, set PROMETHEUS_MULTIPROC_DIR so /metrics adds up every worker.
CMD ["prework", "serve"]

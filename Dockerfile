# leadloop's image: `docker compose up` (compose.yaml) runs it with PostgreSQL; see
# docs/operations.md. The first stage builds a virtual environment, the second runs it as a
# user without privileges.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY jobs ./jobs
COPY storage ./storage
RUN python -m venv /opt/leadloop && /opt/leadloop/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/leadloop/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////var/lib/leadloop/leadloop.db
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/leadloop leadloop
COPY --from=build /opt/leadloop /opt/leadloop
USER leadloop
WORKDIR /var/lib/leadloop
EXPOSE 3000
# /healthz answers while the process serves; /readyz (database and schema) is for the proxy
# and the operator, so an old replica during an upgrade is not killed for a newer schema.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2)"]
ENTRYPOINT ["leadloop"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]

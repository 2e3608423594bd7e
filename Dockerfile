# One image for both roles: `agent-server api` (HTTP) and `agent-server worker`
# (Temporal worker). docker-compose.yml picks the role with `command:`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Only what `pip install .` needs; tests and local data stay out of the image.
COPY pyproject.toml README.md ./
COPY api/ ./api/
COPY workflows/ ./workflows/
COPY activities/ ./activities/
COPY agents/ ./agents/
# langgraph.json's graph paths are relative to it, so the sources stay in /app.
COPY worker.py langgraph.json ./

RUN pip install --no-cache-dir . \
    && groupadd --gid 10001 app \
    && useradd --create-home --uid 10001 --gid app --shell /usr/sbin/nologin app \
    && mkdir -p /app/.agent-server \
    && chown app:app /app/.agent-server

# Never run the server as root; only the data dir is writable. Numeric so
# runtimes that enforce runAsNonRoot can verify it.
USER 10001:10001

EXPOSE 8123

CMD ["agent-server", "api", "--host", "0.0.0.0", "--port", "8123"]

# cs-gateway: slim Python, non-root, the package installed from this checkout.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

RUN useradd --create-home --uid 10001 gateway
WORKDIR /app

COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY guardrails ./guardrails
RUN pip install .
# The sentiment model's segmentation tables, derived from the installed snownlp once at build
# time (about 15 s), so that a container starts in under 2 s.
ENV GATEWAY_MODEL_CACHE_DIR=/app/models
RUN cs-gateway models --cache-dir /app/models

COPY config ./config

USER gateway
# Listen on all interfaces inside the container; the demo bot stays on loopback.
ENV GATEWAY_HOST=0.0.0.0
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
CMD ["cs-gateway", "serve", "--config", "/app/config"]

# Lantern: the search service with its index built from corpus/ at image build time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANTERN_INDEX=/app/var/index

WORKDIR /app
RUN useradd --create-home --uid 10001 --user-group lantern

COPY . .
RUN pip install -e . \
    && python -m indexer build --corpus corpus --index "$LANTERN_INDEX" \
    && chown -R lantern:lantern /app/var

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:create_app()"]

# The minimomen app. PostgreSQL runs in its own container (see docker-compose.yml):
# DATABASE_URL must point at it; the embedded server is not used here.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY builder ./builder
COPY runtime ./runtime
RUN pip install .
COPY designer_ui ./designer_ui
COPY presets ./presets
COPY projects ./projects

RUN useradd --create-home --uid 1000 minimomen && chown -R minimomen /app/projects
USER minimomen

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"

CMD ["minimomen", "serve", "--workspace", "/app/projects", "--host", "0.0.0.0", "--port", "8000", "--workers", "1"]

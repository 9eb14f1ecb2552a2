# Image for compose.yaml. Pass --build-arg TORCH_INDEX_URL=<PyTorch's CPU wheel index> to keep CUDA packages out
# (PyPI's Linux torch wheels depend on them); torch is installed first, pinned, then the project.
FROM python:3.11-slim
ARG TORCH_INDEX_URL=""
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ctpo ctpo
COPY workflows workflows
COPY search search
RUN pip install --no-cache-dir ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} torch==2.13.0 \
 && pip install --no-cache-dir .
EXPOSE 8000
CMD ["ctpo", "serve", "--host", "0.0.0.0"]

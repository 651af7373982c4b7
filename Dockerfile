FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
WORKDIR /app

RUN pip install --no-cache-dir uv
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev

COPY . .
# collectstatic only reads settings; these throwaway values satisfy the production checks.
RUN DEBUG=false SECRET_KEY=collectstatic-only-collectstatic-only-collectstatic-only \
    ALLOWED_HOSTS=build EMAIL_HOST=build python manage.py collectstatic --noinput

RUN useradd --create-home clinic && mkdir -p /app/var && chown clinic /app/var
USER clinic
EXPOSE 8000
CMD ["gunicorn", "-c", "clinic/gunicorn.py", "clinic.wsgi", "--bind", "0.0.0.0:8000"]

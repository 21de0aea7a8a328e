FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN python manage.py collectstatic --noinput -v0
RUN useradd --create-home portal && mkdir -p /var/lib/portal /var/mail/portal \
    && chown portal /var/lib/portal /var/mail/portal
USER portal
ENV PORTAL_VAR_DIR=/var/lib/portal PORTAL_BIND=0.0.0.0:8000
EXPOSE 8000
# One of scripts/serve's processes: web (the default), worker or beat (docker-compose.yml).
CMD ["scripts/serve", "web"]

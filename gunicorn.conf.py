"""gunicorn's settings for fieldapp (``gunicorn -c gunicorn.conf.py wsgi:app``; ``make run`` does this).

Every value comes from ``fieldapp.config.web_server_settings`` (environment: WEB_BIND or HOST/PORT,
WEB_WORKERS, WEB_THREADS, WEB_TIMEOUT, FORWARDED_ALLOW_IPS); workers default to twice the CPU count
(at least 2, at most 8), each with WEB_THREADS threads."""

from fieldapp.config import web_server_settings

_settings = web_server_settings()

bind = _settings["bind"]
workers = _settings["workers"]
threads = _settings["threads"]
worker_class = "gthread"
timeout = _settings["timeout"]
graceful_timeout = 20
keepalive = 5
forwarded_allow_ips = _settings["forwarded_allow_ips"]
# Each worker builds its own app (and database pool) after the fork.
preload_app = False
accesslog = "-"
errorlog = "-"
loglevel = "info"
control_socket_disable = True  # several services may share a machine; systemd or make run manage it

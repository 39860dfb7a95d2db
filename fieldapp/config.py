"""Configuration read from the environment, with safe defaults for a developer's machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .clock import BEIJING


def _normalise_database_url(url: str) -> str:
    # Accept the usual postgres:// spellings and use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else from ``instance/secret_key`` (generated once)."""
    env = os.environ.get("SECRET_KEY")
    if env:
        return env
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def instance_folder() -> Path:
    """The instance folder (database, secret key, media, the job queue): ``FIELDAPP_INSTANCE`` or ``instance/``."""
    return Path(os.environ.get("FIELDAPP_INSTANCE") or Path(__file__).resolve().parent.parent / "instance")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Seconds to connect to and hear from Redis (the job queue, the login counters): an unreachable one
# is reported at once, never a request held for the kernel's minutes. Above the queue's blocking read (1 s).
REDIS_TIMEOUTS = {"socket_connect_timeout": 3, "socket_timeout": 5}


def queue_settings(instance_path: str | Path) -> dict:
    """The job queue (Huey): Redis when ``REDIS_URL`` is set, else a SQLite file in the instance folder."""
    return {
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "HUEY_SQLITE_PATH": os.environ.get("HUEY_SQLITE_PATH") or str(Path(instance_path) / "huey.sqlite"),
        # Run jobs inside the request instead of in the worker (tests; never in production).
        "HUEY_IMMEDIATE": os.environ.get("HUEY_IMMEDIATE", "") == "1",
        # Worker threads of the consumer that ``make run`` starts (``huey_consumer -w``).
        "WORKER_THREADS": _env_int("WORKER_THREADS", 2),
        # A running job whose worker has not reported for this long is taken to be dead and run again.
        "JOB_STALE_SECONDS": _env_int("JOB_STALE_SECONDS", 300),
        # Uploads for background imports (streamed to disk; any size up to this).
        "IMPORT_MAX_BYTES": _env_int("IMPORT_MAX_BYTES", 2 * 1024**3),
        "JOBS_ROOT": os.environ.get("JOBS_ROOT") or str(Path(instance_path) / "jobs"),
        # Days a finished job keeps the files its user downloads (a failed one: its upload, for a retry).
        "JOB_FILES_DAYS": _env_int("JOB_FILES_DAYS", 7),
    }


def web_server_settings() -> dict:
    """gunicorn's settings (``gunicorn.conf.py``): workers and threads from the CPU count unless set."""
    cpus = os.cpu_count() or 1
    return {
        "bind": os.environ.get("WEB_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}",
        "workers": _env_int("WEB_WORKERS", max(2, min(cpus * 2, 8))),
        "threads": _env_int("WEB_THREADS", 4),
        "timeout": _env_int("WEB_TIMEOUT", 60),
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    }


def _env_list(name: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, "").split(",") if v.strip()]


def proxy_settings() -> dict:
    """Serving behind a TLS proxy: the public scheme and host names. ``TRUSTED_HOSTS`` (comma list;
    ``.example.org`` matches subdomains) refuses any other Host header with 400, so a forged host
    never reaches an absolute URL (QR codes, CSV links, PDF cache keys). ``SERVER_NAME`` pins the
    one name used to build those URLs. ``SESSION_COOKIE_SECURE=1`` and ``HSTS_SECONDS`` for HTTPS."""
    server_name = os.environ.get("SERVER_NAME") or None
    hosts = _env_list("TRUSTED_HOSTS") or ["localhost", "127.0.0.1", "::1", os.environ.get("HOST", "127.0.0.1")]
    if server_name:
        hosts.append(server_name.split(":")[0])
    return {
        "SERVER_NAME": server_name,
        "TRUSTED_HOSTS": list(dict.fromkeys(h for h in hosts if h not in ("0.0.0.0", "::"))) or None,
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") in ("1", "true", "yes"),
        "REMEMBER_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") in ("1", "true", "yes"),
        "HSTS_SECONDS": _env_int("HSTS_SECONDS", 31536000),
    }


ROOT = Path(__file__).resolve().parent.parent

# Settings with a fixed default (no environment variable); override them with ``create_app(config)``.
FEATURE_DEFAULTS: dict = {
    # The checklist files and the tag vocabulary their ``applies_to`` is checked against.
    "CHECKLISTS_DIR": str(ROOT / "checklists"),
    "TAGS_FILE": str(ROOT / "data" / "tags.yaml"),
    # The result code table; None: the one in data/ (only checklists/results.py reads it).
    "RESULT_CATEGORIES_FILE": None,
    # The credit classes a plan's 高风险 (high risk) means.
    "HIGH_RISK_CREDIT_CLASSES": ("D",),
    # The most visits a draw gives one inspector in a year.
    "DRAW_WORKLOAD_CAP": 40,
    # A commitment whose pool has more subjects than this is made by the worker (taking, hashing and
    # freezing a million subjects takes seconds), a smaller one in the web request.
    "DRAW_COMMIT_JOB_POOL": 50_000,
    # The key draw seeds are derived with; None: derived from SECRET_KEY.
    "DRAW_SEED_KEY": None,
    # A photo or signature: at most this many bytes and pixels (8000 x 5000; a phone photo is about 12 MP).
    "MEDIA_MAX_BYTES": 20 * 1024 * 1024,
    "MAX_IMAGE_PIXELS": 40_000_000,
    # The service worker's version; None: a hash of the files it caches.
    "PWA_VERSION": None,
    # Rate limits (Flask-Limiter; off in some tests): public search and open-data downloads per address.
    "RATELIMIT_ENABLED": True,
    "PUBLIC_SEARCH_LIMIT": "120 per minute",
    "OPEN_DATA_LIMIT": "30 per hour",
    # Rendered PDFs are kept (in PDF_CACHE_DIR, default instance/pdf-cache) until their record or design changes.
    "PDF_CACHE": True,
}


def translation_directories() -> str:
    """Each feature keeps its own catalog. Only existing ones are listed: Flask-Babel merges the
    catalogs and takes the plural rule of each in turn, so an empty one would reset it to English."""
    from . import FEATURES

    package = Path(__file__).resolve().parent
    return ";".join(str(path) for name in FEATURES if (path := package / name / "translations").is_dir())


def default_config(instance_path: str) -> dict:
    db_url = os.environ.get("DATABASE_URL") or "sqlite:///" + str(Path(instance_path) / "fieldapp.sqlite")
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(db_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT") or str(Path(instance_path) / "media"),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": BEIJING.key,  # dates and times are shown in Beijing time
        "BABEL_TRANSLATION_DIRECTORIES": translation_directories(),
        "LANGUAGES": ["zh_CN", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # The session key of the CSRF secret (Flask-WTF's default); pages answered before Flask
        # (core/early.py) give each visitor theirs from it, and answer nothing under another name.
        "WTF_CSRF_FIELD_NAME": "csrf_token",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Public result search for visitors not signed in: pages kept per process (0: none), and
        # how long a browser may reuse one before asking again (it then gets a 304 if unchanged).
        "PUBLIC_PAGE_CACHE_SIZE": _env_int("PUBLIC_PAGE_CACHE_SIZE", 2000),
        "PUBLIC_PAGE_MAX_AGE": _env_int("PUBLIC_PAGE_MAX_AGE", 30),
        # Inspectors whose latest 我的任务 page each process keeps (0: none), rendered again only
        # when something it shows changed and answered before Flask meanwhile (inspections/list_page.py).
        "MY_VISITS_PAGE_CACHE_SIZE": _env_int("MY_VISITS_PAGE_CACHE_SIZE", 500),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: the limits are counted in each process's memory until it answers again (a
        # login or a search is never refused for it), and nothing waits long on an unreachable Redis.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": dict(REDIS_TIMEOUTS),
        # Login attempts: per account and per address (failed attempts only).
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes"),
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        # Reverse proxies in front of the app (nginx: 1): client address, scheme and host are then
        # taken from their X-Forwarded-* headers (login limits per address, https links, secure cookies).
        "TRUSTED_PROXIES": _env_int("PROXY_FIX", _env_int("TRUSTED_PROXIES", 0)),
        **proxy_settings(),
        **queue_settings(instance_path),
        # The organisation file (units at any depth); Shuozhou's is the demo default.
        "ORGANISATION_FILE": os.environ.get("ORGANISATION_FILE") or None,
        "PDF_CACHE_DIR": str(Path(instance_path) / "pdf-cache"),
        **FEATURE_DEFAULTS,
    }


def database_url_for_tests() -> str | None:
    url = os.environ.get("DATABASE_URL")
    return _normalise_database_url(url) if url else None

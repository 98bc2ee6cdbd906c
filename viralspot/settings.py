"""ViralSpot settings. Every value comes from an environment variable (see .env.example)."""

import os
import secrets
import sys
from pathlib import Path

from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from viralspot.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state of the embedded default (SQLite file, generated secret, staff password); git-ignored.
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- Security ----------------------------------------------------------------------------------
# Off unless set: a process started without the variable (a forgotten line in a deployment) must
# not show tracebacks and settings to the world. `make run` sets DEBUG=true for a local checkout.
DEBUG = env_bool("DEBUG", False)

# Django's own deploy check (security.W009) asks for this much: a shorter key can be guessed
# offline from any signed value we hand out (session cookies, password-reset links).
SECRET_KEY_MIN_LENGTH = 50


def _secret_key() -> str:
    configured = env_str("SECRET_KEY")
    if not DEBUG:
        if not configured:
            raise ImproperlyConfigured(
                "SECRET_KEY must be set when DEBUG is off (production). For local development set DEBUG=true "
                "(make run does), and a key is generated and kept in var/."
            )
        if len(configured) < SECRET_KEY_MIN_LENGTH or len(set(configured)) < 5 or configured.startswith("django-insecure"):
            # The key itself is never printed: this message ends up in logs.
            raise ImproperlyConfigured(
                f"SECRET_KEY is too weak for DEBUG off: it needs at least {SECRET_KEY_MIN_LENGTH} random characters "
                f"(it has {len(configured)}) and must not be a key Django generated for development (django-insecure-…). "
                "Make one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
            )
        return configured
    if configured:
        return configured
    # Local default: generated once and kept, so sessions and tokens survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# HTTPS. With DEBUG off production is assumed to be served over HTTPS (itself or behind a proxy
# that terminates TLS), so each of these is on unless turned off: a plain-HTTP run with DEBUG
# off (the tests, the bench) turns them off explicitly rather than production forgetting one.
# A plain-HTTP request is redirected to https:// ...
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# ... except the probes, which a load balancer sends over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^healthz$"]
# Browsers remember for this long to use HTTPS only (one year, what browsers' preload lists ask
# for). Start lower (e.g. 3600) while first trying HTTPS: a browser cannot be told to forget.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Off: asking to be preloaded into browsers is a decision for whoever owns the domain, and
# taking it back takes months.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Cookies that carry a sign-in or the CSRF secret are never sent over plain HTTP.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# The deploy check's one warning we answer by choice, not by a setting: preloading stays off
# unless SECURE_HSTS_PRELOAD is set (see above), so its reminder (security.W021) is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]


def _proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """("HTTP_X_FORWARDED_PROTO", "https") from "X-Forwarded-Proto: https"; None when unset."""
    if not raw.strip():
        return None
    name, separator, value = raw.partition(":")
    if not separator or not name.strip() or not value.strip():
        raise ImproperlyConfigured(f"SECURE_PROXY_SSL_HEADER looks like 'X-Forwarded-Proto: https', got {raw!r}")
    return "HTTP_" + name.strip().upper().replace("-", "_"), value.strip()


# Behind a proxy that terminates TLS every request arrives as plain HTTP; the proxy's header says
# it came in over HTTPS (else SECURE_SSL_REDIRECT would redirect for ever). Set it only when the
# proxy always sets (or strips) that header: otherwise a client can claim HTTPS itself.
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env_str("SECURE_PROXY_SSL_HEADER"))

# Content-Security-Policy (django-csp): the pages load only our own scripts, styles, images and
# fonts, and talk only to us (live.js's fetches and event streams). No inline script or style
# anywhere: the one inline script we do not write (Swagger UI's start-up, templates/drf_spectacular/)
# carries the per-request nonce. Frames: none may show us (clickjacking), we show none.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "csp",
    "jobs",
    "profiles",
    "viral_ideas",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside ours, so the error pages ours answers carry the policy too.
    "csp.middleware.CSPMiddleware",
    # Before anything reads the database (sessions, users): input PostgreSQL cannot hold is a 400
    # here, and a database that fails in a view is a 503 page (viralspot/middleware.py).
    "viralspot.middleware.BadInputAndOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "viralspot.urls"
ASGI_APPLICATION = "viralspot.asgi.application"
WSGI_APPLICATION = "viralspot.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Which kind of process this is. The web entry points (viralspot/asgi.py, wsgi.py) say "web";
# everything else (django-q2's qcluster, manage.py commands) is single-threaded.
PROCESS_ROLE = env_choice("VIRALSPOT_PROCESS", "worker", {"web", "worker"})
if "qcluster" in sys.argv:
    PROCESS_ROLE = "worker"  # whatever the environment says: a cluster forks, pools must not

# Database connections, bounded per process so that N processes fit under max_connections:
# - a web process (PostgreSQL) borrows from a pool of at most DB_POOL_MAX_SIZE connections for
#   every request and stream read, plus ONE connection listening for progress events; a request
#   that cannot get a connection within DB_POOL_TIMEOUT seconds answers 503 with Retry-After;
# - every other process keeps one persistent connection (django-q2 forks its workers, and a
#   pool's connections and threads do not survive a fork).
DB_POOL = env_bool("DB_POOL", True) and PROCESS_ROLE == "web"
DB_POOL_MIN_SIZE = env_int("DB_POOL_MIN_SIZE", 2, minimum=0)
# Four, not more: a web process runs Python one thread at a time (the GIL), and a request
# spends about as long in Python as it waits for the database, so a few threads already keep
# the process busy. Each thread beyond that is one more contender for the GIL that the event
# loop needs to read the next request and write each answer: with 8 request threads a
# finished answer waited 7 ms (p50) to 60 ms for the loop to send it, and the storm of new
# names measured p99 153 ms (median of 8 runs) against 111 ms with 4 (bench/, 2 cores).
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 4, minimum=1)
DB_POOL_TIMEOUT = env_float("DB_POOL_TIMEOUT", 3.0, minimum=0.1)
# Connections above the minimum are closed after this long unused (one per interval).
DB_POOL_MAX_IDLE = env_float("DB_POOL_MAX_IDLE", 30.0, minimum=1)
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
# Server-side prepared statements for repeated queries (the status read is planned once per
# connection). Off when a pooler in transaction mode (PgBouncer < 1.21) sits in between.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
if DB_POOL_MIN_SIZE > DB_POOL_MAX_SIZE:
    raise ImproperlyConfigured(f"DB_POOL_MIN_SIZE ({DB_POOL_MIN_SIZE}) must be ≤ DB_POOL_MAX_SIZE ({DB_POOL_MAX_SIZE})")

# --- Web tier (viralspot/serving.py) --------------------------------------------------------
# uvicorn worker processes of `make run` / `manage.py runservice`.
WEB_WORKERS = env_int("WEB_WORKERS", 2, minimum=1)
# Threads per web process that run requests (one request each at a time, start to finish); as
# many as the pool has connections, so a request never waits for one.
WEB_THREADS = env_int("WEB_THREADS", DB_POOL_MAX_SIZE, minimum=1)
# A request still waiting for a thread after this long is answered 503 with Retry-After.
WEB_QUEUE_TIMEOUT = env_float("WEB_QUEUE_TIMEOUT", 3.0, minimum=0.05)
WEB_RETRY_AFTER_SECONDS = env_int("WEB_RETRY_AFTER_SECONDS", 2, minimum=1)

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "sqlite:///viralspot.sqlite3"),
        sqlite_dir=VAR_DIR,
        pool={
            "min_size": DB_POOL_MIN_SIZE,
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": DB_POOL_TIMEOUT,
            "max_idle": DB_POOL_MAX_IDLE,
            "name": "viralspot-web",
        } if DB_POOL else None,
        conn_max_age=DB_CONN_MAX_AGE,
        # Web processes are started, not forked, after settings load: the pid names the process.
        application_name=f"viralspot-web:{os.getpid()}" if PROCESS_ROLE == "web" else "viralspot-worker",
        prepared_statements=DB_PREPARED_STATEMENTS,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
# The throttles (jobs/throttling.py) count in this cache, all of them, sign-ins included.
if REDIS_URL:
    # Shared by every web process, so throttling counts one client once, not once per process;
    # its counters are INCR/DECR, atomic across processes.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Local memory: NOT shared. Each web process (WEB_WORKERS of them) counts on its own, so a
    # client gets up to WEB_WORKERS times every budget, failed sign-ins included. Fine for one
    # machine's embedded default; production with several web processes sets REDIS_URL.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Under uvicorn nothing else serves the admin's CSS in the embedded default; production puts a
# reverse proxy or CDN in front of `collectstatic` output and turns this off.
SERVE_STATIC = env_bool("SERVE_STATIC", True)

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

API_ANON_RATE = env_str("API_ANON_RATE", "120/min")
API_USER_RATE = env_str("API_USER_RATE", "600/min")


def _per_second(rate: str) -> float:
    count, _, period = rate.partition("/")
    try:
        return int(count) / {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[:1]]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"a throttle rate looks like 120/min, got {rate!r}") from None


if _per_second(API_ANON_RATE) > _per_second(API_USER_RATE):
    raise ImproperlyConfigured("API_ANON_RATE must not exceed API_USER_RATE (anonymous clients get the stricter budget)")

# Who the client is (jobs/client_address.py). X-Forwarded-For is whatever the sender wrote, so
# by default it is ignored and the client is the connection's peer (REMOTE_ADDR): believing it
# let any client pick a fresh throttle bucket per request. Behind a reverse proxy, say which:
# NUM_PROXIES: this many proxies always stand in front (DRF's meaning), whatever their address;
NUM_PROXIES = env_int("NUM_PROXIES", 0, minimum=0)
# TRUSTED_PROXIES: addresses/CIDRs of proxies whose X-Forwarded-For is believed; the client is
# the right-most address of the chain that is not one of them.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")

# Failed sign-ins (POST /api/auth/token) within a sliding window, per username whatever the
# address (one account guessed at from many addresses), and per client address whatever the
# username (one address trying many accounts; higher, since an office or NAT shares one).
LOGIN_FAILURES_PER_USERNAME = env_int("LOGIN_FAILURES_PER_USERNAME", 10, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900, minimum=1)

REST_FRAMEWORK = {
    # Token first: an anonymous API call then gets 401 with WWW-Authenticate, not a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # DRF's own, but a body too deep to parse or holding what PostgreSQL cannot store is a 400.
    "DEFAULT_PARSER_CLASSES": [
        "jobs.api_envelope.JSONBodyParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular's, naming each view's nested Input after the view (they all collided as "Input").
    "DEFAULT_SCHEMA_CLASS": "jobs.schema_hooks.ViewNamedAutoSchema",
    "EXCEPTION_HANDLER": "jobs.api_envelope.exception_handler",
    # For DRF's own get_ident(), should anything call it: None would believe X-Forwarded-For.
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_CLASSES": [
        "jobs.throttling.AnonThrottle",
        "jobs.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": API_ANON_RATE,
        "user": API_USER_RATE,
        "viral_queue_create": env_str("VIRAL_QUEUE_CREATE_RATE", "30/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ViralSpot API",
    "DESCRIPTION": "Profiles, viral-ideas analyses and content-generation jobs, all run as background jobs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets come from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Plain Django views (the status endpoint) are added by hand; enums are post-processed as usual.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "jobs.schema_hooks.add_plain_view_paths",
        "jobs.schema_hooks.add_stream_paths",
        "jobs.schema_hooks.document_common_answers",
    ],
}

# --- Background worker (django-q2) ----------------------------------------------------------
# Our own job rows are the truth (status, priority, progress, attempts); django-q2 only delivers
# "there is work of kind K" wake-ups to worker processes, so losing or repeating one is harmless.
Q_WORKERS = env_int("Q_WORKERS", 2, minimum=1)
JOB_TASK_TIMEOUT_SECONDS = env_int("JOB_TASK_TIMEOUT_SECONDS", 900, minimum=10)
Q_CLUSTER = {
    "name": env_str("Q_CLUSTER_NAME", "viralspot"),
    "workers": Q_WORKERS,
    # A wake-up drains jobs for at most this long; django-q2 kills a task that runs longer.
    "timeout": JOB_TASK_TIMEOUT_SECONDS,
    # Must exceed timeout, or the broker hands a still-running wake-up to a second worker.
    "retry": JOB_TASK_TIMEOUT_SECONDS + 60,
    # Our own retry/backoff lives in the job core; django-q2 must not re-run wake-ups itself.
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 500,
    "poll": 0.2,
    "label": "Worker (django-q2)",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Job core ---------------------------------------------------------------------------------
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3, minimum=1)
# Backoff before retry n (n = attempts so far): 2^n minutes, capped.
JOB_BACKOFF_CAP_MINUTES = env_int("JOB_BACKOFF_CAP_MINUTES", 30, minimum=1)
# How often the scheduled sweep runs (wakes due retries, drops old events, recovers lost jobs).
JOB_SWEEP_INTERVAL_MINUTES = env_int("JOB_SWEEP_INTERVAL_MINUTES", 1, minimum=1)
# Every worker process beats its WorkerHeartbeat row this often from a thread of its own,
# whatever its job is doing (jobs/runner.py WorkerLiveness).
WORKER_HEARTBEAT_INTERVAL_SECONDS = env_float("WORKER_HEARTBEAT_INTERVAL_SECONDS", 2.0, minimum=0.1)
# A worker silent this long is lost and its running job recovered: several missed beats, so a
# busy database or a paused process is not taken for a dead one.
WORKER_HEARTBEAT_TIMEOUT_SECONDS = env_float("WORKER_HEARTBEAT_TIMEOUT_SECONDS", 15.0, minimum=1)
# How often each worker process looks for lost jobs (one indexed query per job kind); any number
# may look at once, a job is recovered once (guarded by its claim token).
JOB_LOST_SWEEP_SECONDS = env_float("JOB_LOST_SWEEP_SECONDS", 5.0, minimum=0.5)
if WORKER_HEARTBEAT_TIMEOUT_SECONDS < 3 * WORKER_HEARTBEAT_INTERVAL_SECONDS:
    raise ImproperlyConfigured("WORKER_HEARTBEAT_TIMEOUT_SECONDS must be at least 3 heartbeat intervals "
                               "(one late beat must not make a live worker look lost)")
PROGRESS_EVENT_RETENTION_DAYS = env_int("PROGRESS_EVENT_RETENTION_DAYS", 30, minimum=1)
# Bearer token Prometheus must send to GET /metrics (jobs/metrics.py). Empty leaves /metrics open:
# it tells anyone the queue sizes and the workers' health, so set it or keep the path internal.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# A progress report within this long of the job's last write is kept back and written (the
# latest only) at most this late (jobs/progress.py). 0 writes every report at once.
PROGRESS_MIN_INTERVAL_SECONDS = env_float("PROGRESS_MIN_INTERVAL_SECONDS", 0.25, minimum=0)
# Wake-ups of a kind sent by one process at most this often; what comes between is sent when the
# window ends (jobs/wakeups.py). 0 sends one wake-up per commit at once.
WAKE_UP_COALESCE_SECONDS = env_float("WAKE_UP_COALESCE_SECONDS", 0.05, minimum=0)

# --- Scheduling (jobs/scheduling.py) ----------------------------------------------------------
# Enforced in the database at claim time, so across every worker of every cluster. 0 = no cap.
# Profile jobs running at once per priority level: HIGH (user requests) at most 3, as the
# original queue ran them (each is a burst of provider calls for one account).
QUEUE_MAX_RUNNING_HIGH = env_int("QUEUE_MAX_RUNNING_HIGH", 3, minimum=0)
QUEUE_MAX_RUNNING_MEDIUM = env_int("QUEUE_MAX_RUNNING_MEDIUM", 0, minimum=0)
QUEUE_MAX_RUNNING_LOW = env_int("QUEUE_MAX_RUNNING_LOW", 0, minimum=0)
# Jobs of a whole kind running at once.
QUEUE_MAX_RUNNING_BY_KIND = {
    "profile": env_int("QUEUE_MAX_RUNNING_PROFILE", 0, minimum=0),
    "viral_ideas": env_int("QUEUE_MAX_RUNNING_VIRAL_IDEAS", 0, minimum=0),
    "generation": env_int("QUEUE_MAX_RUNNING_GENERATION", 0, minimum=0),
}
# A LOW profile job queued longer than this is moved up to MEDIUM by the scheduled sweep (within
# JOB_SWEEP_INTERVAL_MINUTES), and is no longer paused for higher work: a steady flow of user
# requests cannot starve the crawler. 0 = off.
QUEUE_AGING_MINUTES = env_int("QUEUE_AGING_MINUTES", 30, minimum=0)
# Cooperative preemption: a running LOW profile job, at its next progress report, goes back to
# the queue (attempt not counted) for a due HIGH or MEDIUM job when every live worker runs a job,
# or when that job has waited this long although a worker looks free; its worker takes that job.
QUEUE_PREEMPTION = env_bool("QUEUE_PREEMPTION", True)
QUEUE_PREEMPT_AFTER_SECONDS = env_float("QUEUE_PREEMPT_AFTER_SECONDS", 0.5, minimum=0)

# --- Profiles ----------------------------------------------------------------------------------
# Backstop for a worker that still beats while its job is stuck: a PROCESSING profile job that has
# not reported for this long is recovered (a lost worker is noticed by WORKER_HEARTBEAT_TIMEOUT_SECONDS).
PROFILE_JOB_TIMEOUT_SECONDS = env_int("PROFILE_JOB_TIMEOUT_SECONDS", 300, minimum=1)
PROFILE_REELS_LIMIT = env_int("PROFILE_REELS_LIMIT", 50, minimum=1)
# A finished profile requested again within this window answers "recently_completed".
PROFILE_RECENT_WINDOW_MINUTES = env_int("PROFILE_RECENT_WINDOW_MINUTES", 10, minimum=1)

INSTAGRAM_PROVIDER = env_choice("INSTAGRAM_PROVIDER", "offline", {"offline", "instaloader"})
OFFLINE_DATA_DIR = Path(env_str("OFFLINE_DATA_DIR", str(BASE_DIR / "sample_data" / "instagram")))
# Simulated network latency per provider call, so a local run shows its stages; 0 in tests.
OFFLINE_PROVIDER_DELAY_SECONDS = env_float("OFFLINE_PROVIDER_DELAY_SECONDS", 1.0, minimum=0)
INSTALOADER_SESSION_FILE = env_str("INSTALOADER_SESSION_FILE")
INSTALOADER_SESSION_USERNAME = env_str("INSTALOADER_SESSION_USERNAME")
INSTALOADER_REQUEST_TIMEOUT = env_float("INSTALOADER_REQUEST_TIMEOUT", 30.0, minimum=1)

# --- Content generation -----------------------------------------------------------------------
GENERATION_JOB_TIMEOUT_SECONDS = env_int("GENERATION_JOB_TIMEOUT_SECONDS", 300, minimum=1)
# offline (default): deterministic composer; openai: any OpenAI-compatible /v1/chat/completions.
LLM_PROVIDER = env_choice("LLM_PROVIDER", "offline", {"offline", "openai"})
LLM_BASE_URL = env_str("LLM_BASE_URL")
LLM_MODEL = env_str("LLM_MODEL")
LLM_API_KEY = env_str("LLM_API_KEY")
LLM_TIMEOUT_SECONDS = env_float("LLM_TIMEOUT_SECONDS", 60.0, minimum=1)
# Retries of a request that failed cleanly (5xx, 429, refused, timed out before any text arrived),
# with backoff, before a viral-ideas step falls back to the offline rules or a job is retried.
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 1, minimum=0)
# Extra .md/.txt documents for the research stage, besides the stored reels.
RESEARCH_DOCS_DIR = Path(env_str("RESEARCH_DOCS_DIR", str(BASE_DIR / "sample_data" / "documents")))
# Simulated thinking time per writing section of the offline writer, so a local run shows progress.
GENERATION_STEP_DELAY_SECONDS = env_float("GENERATION_STEP_DELAY_SECONDS", 0.6, minimum=0)

# --- Viral ideas -------------------------------------------------------------------------------
VIRAL_JOB_TIMEOUT_SECONDS = env_int("VIRAL_JOB_TIMEOUT_SECONDS", 600, minimum=1)
# Stored profiles younger than this are reused instead of fetched again.
VIRAL_PROFILE_FRESHNESS_HOURS = env_int("VIRAL_PROFILE_FRESHNESS_HOURS", 24, minimum=0)
VIRAL_IDEAS_PER_RUN = env_int("VIRAL_IDEAS_PER_RUN", 6, minimum=1)
VIRAL_RERUN_CHECK_MINUTES = env_int("VIRAL_RERUN_CHECK_MINUTES", 5, minimum=1)

# --- Live progress (Server-Sent Events) ---------------------------------------------------------
SSE_KEEPALIVE_SECONDS = env_float("SSE_KEEPALIVE_SECONDS", 15.0, minimum=0.1)
# Threads (so database connections) one web process uses for all its streams' reads.
SSE_DB_THREADS = env_int("SSE_DB_THREADS", 4, minimum=1)
# auto: LISTEN/NOTIFY on PostgreSQL, polling elsewhere; "poll" forces polling everywhere.
PROGRESS_DELIVERY = env_choice("PROGRESS_DELIVERY", "auto", {"auto", "listen", "poll"})
# Hot reads (profile status) kept per web process until the next change notification, or at
# most this long for changes nobody announces (a row edited by hand); jobs/read_cache.py.
# Longer than a poller's interval, or a poller never finds its answer cached. 0: no cache.
READ_CACHE_SECONDS = env_float("READ_CACHE_SECONDS", 30.0, minimum=0)
# Polling fallback (SQLite): how often one per-process poller looks for new progress events.
SSE_POLL_INTERVAL_SECONDS = env_float("SSE_POLL_INTERVAL_SECONDS", 1.0, minimum=0.05)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

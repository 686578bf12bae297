"""Region Bridge settings: everything comes from environment variables (see README)."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from regionbridge.lib.env import env_bool, env_choice, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("VAR_DIR", str(PROJECT_DIR / "var")))

ENVIRONMENT = env_choice("ENVIRONMENT", ("development", "production"), "development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_secret(
    "SECRET_KEY", production=PRODUCTION, dev_default="dev-only-insecure-key-never-use-in-production"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Where e-mail links point. Unset, it follows PORT (the port `make run` serves on); behind the
# proxy, set it to the public address.
SITE_URL = env_str("SITE_URL").strip() or f"http://127.0.0.1:{env_int('PORT', 8000)}"

INSTALLED_APPS = [
    "regionbridge.core",
    "regionbridge.outbox",
    "regionbridge.accounts",
    "regionbridge.twofactor",
    "regionbridge.regions",
    "regionbridge.organizations",
    "regionbridge.audit",
    "regionbridge.partnerships",
    "regionbridge.institutions",
    "regionbridge.messaging",
    "regionbridge.meetings",
    "regionbridge.oversight",
    "regionbridge.matching",
    "regionbridge.desk",
    "regionbridge.api",
    "regionbridge.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # the widgets' templates, for FORM_RENDERER
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "regionbridge.core.middleware.RejectNullBytesMiddleware",
    # request.htmx; before every middleware and view that answers htmx differently.
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "regionbridge.accounts.middleware.SessionTimeoutMiddleware",
    "regionbridge.twofactor.middleware.SecondFactorMiddleware",
    "regionbridge.core.middleware.LanguageMiddleware",
    "regionbridge.core.middleware.UserTimezoneMiddleware",
    "regionbridge.audit.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "regionbridge.core.middleware.RateLimitedMiddleware",
]

ROOT_URLCONF = "regionbridge.urls"
WSGI_APPLICATION = "regionbridge.wsgi.application"

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
                "django.template.context_processors.i18n",
                "regionbridge.core.context_processors.navigation",
            ],
        },
    },
]

# Fields render through templates/forms/field.html (`{{ field.as_field_group }}`).
FORM_RENDERER = "regionbridge.core.forms.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'regionbridge.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Connections persist (CONN_MAX_AGE, as on PostgreSQL): opening one and running the PRAGMAs
    # cost 2.4 ms a request. Each page thread keeps its own; none holds a transaction between
    # requests, so WAL checkpoints are not held back.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # OWASP ASVS 2.1.1: at least 12 characters.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Brute-force protection (accounts/lockout.py): per account, whatever the address; after
# AXES_FAILURE_LIMIT failures the account waits 1 minute, and each further failure doubles the
# wait, up to a day. Failures are forgotten a day after the last one, or on a successful sign-in.
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_HANDLER = "regionbridge.accounts.lockout.ProgressiveLockoutHandler"
AXES_COOLOFF_TIME = timedelta(days=1)  # how long failures are remembered, not the wait
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "regionbridge.accounts.lockout.username_of"
AXES_CLIENT_IP_CALLABLE = "regionbridge.accounts.lockout.client_ip"  # X-Real-IP when BEHIND_PROXY
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # attempts while locked count for nothing
AXES_LOCKOUT_CALLABLE = "regionbridge.accounts.lockout.locked_response"
AXES_VERBOSE = False
# Axes keeps the failed sign-in's POST (post_data) and has no switch to keep none: mask what a
# sign-in form carries, the address (a password is often typed into it by mistake), the CSRF
# token and the second-factor fields, as well as axes' own defaults.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "password",
    "csrfmiddlewaretoken",
    "otp_token",
    "code",
    "token",
]
# W006 wants the address in the lock: behind a shared address (an office's NAT, our proxy before
# BEHIND_PROXY) that locks out bystanders, and rotating User-Agents cannot dodge a per-account lock.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", _("Ukrainian")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "rb_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Kyiv"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_STORAGE", "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Each process keeps its own: the default cache (the public registry's pages) and the results of
# heavy reads kept until the data under them changes (core.results, decision 0013).
RESULTS_SECONDS = env_int("RESULTS_SECONDS", 600)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "results": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "results",
        "OPTIONS": {"MAX_ENTRIES": 400},
    },
    # Exported files (hundreds of KB each): a few.
    "exports": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "exports",
        "OPTIONS": {"MAX_ENTRIES": 24},
    },
}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A job still RUNNING after this was left by a dead worker and is run again (outbox/reaper.py).
TASKS_RUNNING_TIMEOUT = timedelta(seconds=env_int("TASKS_RUNNING_TIMEOUT", 15 * 60))

EMAIL_URL = env_str("EMAIL_URL", "console://")
# Seconds each step of an SMTP exchange may take (Django's SMTP backend reads it): a server that
# accepts and never answers costs the outbox worker this long, not a hung job.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# A message's e-mail waits this long after the message: what follows in the thread meanwhile goes
# in the same e-mail, and nothing goes for a message read in the browser by then.
MESSAGE_MAIL_DELAY_SECONDS = env_int("MESSAGE_MAIL_DELAY_SECONDS", 180)
if EMAIL_URL.startswith("smtp"):
    from urllib.parse import unquote, urlparse

    _mail = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _mail.scheme == "smtp+tls"
    EMAIL_USE_SSL = _mail.scheme == "smtps"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Region Bridge <noreply@regionbridge.localhost>")

# Security headers; TLS-only settings are on in production (behind a TLS-terminating proxy).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# OWASP ASVS 3.3.2: a session ends after an hour without activity and 12 hours after sign-in.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_MINUTES", 60) * 60
SESSION_MAX_SECONDS = env_int("SESSION_MAX_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
# The second factor (twofactor/): officials must pass one when it is required (the default in
# production); when optional, anyone may add one and then must pass it at each sign-in.
TWO_FACTOR = env_choice(
    "TWO_FACTOR", ("required", "optional"), "required" if PRODUCTION else "optional"
)
OTP_WEBAUTHN_HELPER_CLASS = "regionbridge.twofactor.passkeys.Helper"
OTP_WEBAUTHN_RP_NAME = "Region Bridge"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False  # a passkey is the second factor, after the password
# The relying party: the site's own host name (passkeys are bound to it; "localhost" in development,
# since browsers refuse an IP address here).
WEBAUTHN_RP_ID = env_str("WEBAUTHN_RP_ID", urlsplit(SITE_URL).hostname or "localhost")
if WEBAUTHN_RP_ID == "127.0.0.1":
    WEBAUTHN_RP_ID = "localhost"
OTP_WEBAUTHN_RP_ID = WEBAUTHN_RP_ID  # read by the library's checks; twofactor.passkeys decides
OTP_WEBAUTHN_ALLOWED_ORIGINS = [SITE_URL.rstrip("/").replace("://127.0.0.1", "://localhost", 1)]
OTP_TOTP_ISSUER = "Region Bridge"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Production is HTTPS only: redirect (the proxy must pass X-Forwarded-Proto: BEHIND_PROXY=true),
# HSTS for this host and its subdomains, eligible for the browsers' preload list.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_PROXY = env_bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Django's own temporary-file handler names the file after the client's extension, however long.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "regionbridge.lib.files.SafeTemporaryFileUploadHandler",
]
RENEWAL_REMINDER_DAYS = env_int("RENEWAL_REMINDER_DAYS", 60)

# Replies to notifications come back to REPLY_ADDRESS with a signed token: reply+<token>@domain.
REPLY_ADDRESS = env_str("REPLY_ADDRESS", "reply@regionbridge.localhost")
# Whom the 403 and 404 pages send people to: the platform coordinators' address.
SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", "coordinator@regionbridge.localhost")
MAILGATE_HOST = env_str("MAILGATE_HOST", "127.0.0.1")
MAILGATE_PORT = env_int("MAILGATE_PORT", 2525)
# Who sent a reply: with MAIL_TRUSTED_AUTHSERV_ID, the topmost Authentication-Results header with
# that authserv-id (added by the MTA in front); without it, mailgate verifies DKIM itself.
MAIL_TRUSTED_AUTHSERV_ID = env_str("MAIL_TRUSTED_AUTHSERV_ID", "")
MAIL_DKIM_DNSFUNC = env_str("MAIL_DKIM_DNSFUNC", "")  # dotted path; empty: dkimpy's DNS lookup
MAIL_HELD_DAYS = env_int("MAIL_HELD_DAYS", 14)  # a reply that failed the check waits this long
MAILGATE_MAX_BYTES = env_int("MAILGATE_MAX_BYTES", 32 * 1024 * 1024)

# Live updates (decision 0006): streams per process past which /messages/<id>/stream/ answers
# 503 + Retry-After; the SQLite bus's sockets (one per process, shared by copies on one VAR_DIR);
# a stream re-checks its reader's right this often (and at once when participants change).
LIVE_MAX_STREAMS = env_int("LIVE_MAX_STREAMS", 2000)
LIVE_DIR = Path(env_str("LIVE_DIR", str(VAR_DIR / "live")))
LIVE_RECHECK_SECONDS = env_int("LIVE_RECHECK_SECONDS", 30)
LIVE_POLL_SECONDS = env_int("LIVE_POLL_SECONDS", 5)  # a safety net: the bus wakes streams
# A quiet stream sends a comment this often, so proxies and browsers keep it open.
LIVE_KEEPALIVE_SECONDS = env_int("LIVE_KEEPALIVE_SECONDS", 20)

# Rate limits (decision 0005): counters in the database; RATE_LIMITS=off for the benchmark/fuzzer.
RATE_LIMITS = env_bool("RATE_LIMITS", default=True)
RATE_LIMIT_RULES = {  # rule: (hits, per seconds) pairs, every one must hold; answered with 429
    "post": [(30, 60), (500, 24 * 3600)],  # messages a person (or guest) posts, any door
    "invite": [(60, 3600)],  # threads started and participants added, a person
    "api": [(600, 60)],  # API requests, a person (token or session) or an anonymous address
    "mail": [(60, 3600)],  # e-mails into mailgate, an envelope sender (451 4.7.1 past it)
}

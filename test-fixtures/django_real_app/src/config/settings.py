"""Settings shaped like a real project's: a src/ layout, values computed by functions and
classes, a front-end package vendored from node_modules, WhiteNoise with callables.

Environment switches for tests (all optional):
    STATIC_MAX_AGE   WHITENOISE_MAX_AGE in seconds (default 60)
"""

import os
import re
from pathlib import Path

SRC_DIR = Path(__file__).resolve().parent.parent
ROOT_DIR = SRC_DIR.parent


class Env:
    """A tiny stand-in for django-environ: typed reads with defaults."""

    def __init__(self, environ=os.environ):
        self.environ = environ

    def str(self, name, default):
        return self.environ.get(name, default)

    def int(self, name, default):
        return int(self.environ.get(name, default))

    def bool(self, name, default):
        return self.environ.get(name, str(default)).lower() in ("1", "true", "yes")


env = Env()

SECRET_KEY = env.str("SECRET_KEY", "insecure-test-only-key")
DEBUG = env.bool("DEBUG", False)
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "pages",
]
MIDDLEWARE = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
]
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.contrib.messages.context_processors.messages"]},
    },
]
DATABASES = {}
USE_TZ = True

# --- static files -------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = ROOT_DIR / "staticfiles"
STATICFILES_DIRS = [
    # The front-end sources and the build script's output (assets/dist).
    ROOT_DIR / "assets",
    # The usual way to ship a front-end package from npm: its folder in node_modules.
    ("vendor", ROOT_DIR / "node_modules" / "normalize.css"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

_HASHED = re.compile(r"^.+\.[0-9a-f]{12}\..+$")


def immutable_file_test(path, url):
    """Hashed names are immutable (WhiteNoise's default test, written out as real apps do)."""
    return bool(_HASHED.match(url))


def add_headers(headers, path, url):
    headers["X-Served-By"] = "whitenoise"


WHITENOISE_IMMUTABLE_FILE_TEST = immutable_file_test
WHITENOISE_ADD_HEADERS_FUNCTION = add_headers
WHITENOISE_MAX_AGE = env.int("STATIC_MAX_AGE", 60)
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "br"}

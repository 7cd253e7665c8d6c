"""Settings for a Django app with static files served by WhiteNoise, and no database.

Environment switches (for tests and benchmarks; every one is optional):

    STATIC_BACKEND        staticfiles storage: whitenoise (default), whitenoise-plain, manifest, static
    KEEP_ONLY_HASHED      0 or 1 (default 1): WHITENOISE_KEEP_ONLY_HASHED_FILES
    UNSET_STATIC_ROOT=1   leave STATIC_ROOT unset (wins over STATIC_ROOT_OVERRIDE)
    STATIC_ROOT_OVERRIDE  absolute path used as STATIC_ROOT instead of BASE_DIR / "staticfiles"
    BREAK_SETTINGS=1      fail at import with ImproperlyConfigured, like a missing DATABASE_URL
    NO_WHITENOISE=1       leave WhiteNoise's middleware out (another server, e.g. uWSGI, serves
                          STATIC_ROOT)

Extra apps (the benchmark's generated asset app) come from an optional mysite/extra_apps.py
that defines EXTRA_APPS; without that file there are none.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

if os.environ.get("BREAK_SETTINGS") == "1":
    raise ImproperlyConfigured("DATABASE_URL must be set (BREAK_SETTINGS=1)")

try:
    from mysite.extra_apps import EXTRA_APPS
except ModuleNotFoundError as exc:
    if exc.name != "mysite.extra_apps":
        raise
    EXTRA_APPS = []

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-test-only-key")
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "shop",
    *EXTRA_APPS,
]
MIDDLEWARE = (
    [] if os.environ.get("NO_WHITENOISE") == "1" else ["whitenoise.middleware.WhiteNoiseMiddleware"]
)
ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    },
]
DATABASES = {}
USE_TZ = True

# --- static files -------------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "assets"]

if os.environ.get("UNSET_STATIC_ROOT") != "1":
    _override = os.environ.get("STATIC_ROOT_OVERRIDE")
    if _override:
        if not os.path.isabs(_override):
            raise ImproperlyConfigured(
                f"STATIC_ROOT_OVERRIDE must be an absolute path, got {_override!r}"
            )
        STATIC_ROOT = Path(_override)
    else:
        STATIC_ROOT = BASE_DIR / "staticfiles"

_BACKENDS = {
    "whitenoise": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    "whitenoise-plain": "whitenoise.storage.CompressedStaticFilesStorage",
    "manifest": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    "static": "django.contrib.staticfiles.storage.StaticFilesStorage",
}
_backend = os.environ.get("STATIC_BACKEND", "whitenoise")
if _backend not in _BACKENDS:
    raise ImproperlyConfigured(
        f"STATIC_BACKEND must be one of {', '.join(_BACKENDS)}; got {_backend!r}"
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _BACKENDS[_backend]},
}

_keep_only_hashed = os.environ.get("KEEP_ONLY_HASHED", "1")
if _keep_only_hashed not in ("0", "1"):
    raise ImproperlyConfigured(f"KEEP_ONLY_HASHED must be 0 or 1; got {_keep_only_hashed!r}")
WHITENOISE_KEEP_ONLY_HASHED_FILES = _keep_only_hashed == "1"

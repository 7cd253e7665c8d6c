"""Settings for a Django 4.2 app that still configures its static files storage with the old
STATICFILES_STORAGE setting (deprecated in 4.2, removed in 5.1) instead of STORAGES.

STATIC_ROOT_OVERRIDE (an absolute path) replaces STATIC_ROOT, for tests.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-test-only-key")
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "pages",
]
MIDDLEWARE = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
]
ROOT_URLCONF = "legacysite.urls"
WSGI_APPLICATION = "legacysite.wsgi.application"
DATABASES = {}
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
_override = os.environ.get("STATIC_ROOT_OVERRIDE")
if _override:
    if not os.path.isabs(_override):
        raise ImproperlyConfigured(f"STATIC_ROOT_OVERRIDE must be an absolute path, got {_override!r}")
    STATIC_ROOT = Path(_override)

STATICFILES_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"

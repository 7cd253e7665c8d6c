"""Settings for a minimal Django app with no database and no static files."""

import os

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-test-only-key")
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["hello"]
MIDDLEWARE = []
ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"
DATABASES = {}
USE_TZ = True

"""Settings for a Django app whose static files go to a (simulated) remote bucket.

The staticfiles storage is remotesite.storage.FakeBucketStorage: it writes plain files under
BASE_DIR / "fake-bucket" but, like an S3 or GCS storage, has no path(), so Django treats it as
remote: `collectstatic --link` fails with "Can't symlink to a remote destination."
STATIC_ROOT is set, as many such apps do, but that storage never uses it.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-test-only-key")
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "web",
]
MIDDLEWARE = []
ROOT_URLCONF = "remotesite.urls"
WSGI_APPLICATION = "remotesite.wsgi.application"
DATABASES = {}
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
FAKE_BUCKET_DIR = BASE_DIR / "fake-bucket"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "remotesite.storage.FakeBucketStorage",
        "OPTIONS": {"location": FAKE_BUCKET_DIR},
    },
}

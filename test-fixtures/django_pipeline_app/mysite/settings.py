"""Settings for a Django app whose collectstatic runs a Node tool (django-pipeline + npm `sass`).

Pipeline's storage compiles static/scss/site.scss during collectstatic's post-processing by
running `sass` (node_modules/.bin/sass, a node script) from PATH, writes the package
css/site.css into STATIC_ROOT, and then lets Django's manifest storage hash it. The default
finders suffice: the SCSS source lives in STATICFILES_DIRS. Without sass/node on PATH,
collectstatic fails with pipeline.exceptions.CompilerError. WhiteNoise serves STATIC_ROOT.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-test-only-key")
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = ["django.contrib.staticfiles", "pipeline", "pages"]
MIDDLEWARE = ["whitenoise.middleware.WhiteNoiseMiddleware"]
ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"
DATABASES = {}
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "pipeline.storage.PipelineManifestStorage"},
}

PIPELINE = {
    "COMPILERS": ["pipeline.compilers.sass.SASSCompiler"],
    "SASS_BINARY": "sass",
    # No source map: its sourceMappingURL comment would point the manifest at a missing file.
    "SASS_ARGUMENTS": "--no-source-map --style=compressed",
    "CSS_COMPRESSOR": None,
    "JS_COMPRESSOR": None,
    "STYLESHEETS": {
        "site": {
            "source_filenames": ["scss/site.scss"],
            "output_filename": "css/site.css",
        },
    },
}

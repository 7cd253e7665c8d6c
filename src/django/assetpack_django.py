"""Django helper run by the assetpack/python buildpack, in the app's virtual environment.

It runs the app's own manage.py (so whatever manage.py sets up, such as DJANGO_SETTINGS_MODULE,
sys.path or dotenv loading, still applies) and either inspects the static files setup or runs
collectstatic.

    python assetpack_django.py probe OUTPUT.json
        Writes what the buildpack needs to decide about collectstatic: whether
        django.contrib.staticfiles is installed, STATIC_ROOT, the staticfiles storage class and
        whether it writes to the local filesystem, the settings and installed packages that
        shape the output, and every file the staticfiles finders would collect, with the
        sha256 of its content and its source path. A settings error propagates (traceback on
        stderr, non-zero exit).

    python assetpack_django.py collectstatic [--link] [--reuse-compressed] STATS.json
        Runs `manage.py collectstatic --noinput [--link]`. With --reuse-compressed, WhiteNoise's
        Compressor keeps an existing .br/.gz sibling instead of compressing the file again. The
        buildpack only passes it after deleting the siblings of every output whose source
        changed; hashed names embed their content's hash, so what remains matches its file.
"""

import hashlib
import json
import os
import runpy
import sys
import threading
import warnings

# Like `python manage.py`: the app directory, not this script's, is first on sys.path.
sys.path[0] = os.getcwd()

STATIC_SETTINGS = (
    "STATIC_ROOT",
    "STATIC_URL",
    "STATICFILES_DIRS",
    "STATICFILES_FINDERS",
    "STATICFILES_STORAGE",
    "STORAGES",
    "INSTALLED_APPS",
    "FILE_UPLOAD_PERMISSIONS",
    "FILE_UPLOAD_DIRECTORY_PERMISSIONS",
)


def run_manage_py(argv, instead=None):
    """Runs manage.py with argv; with `instead`, calls it after django.setup() in place of
    the management command."""
    if instead is not None:
        import django
        import django.core.management as management

        def execute_from_command_line(argv=None):
            django.setup()
            instead()

        management.execute_from_command_line = execute_from_command_line
    sys.argv = ["manage.py", *argv]
    runpy.run_path("manage.py", run_name="__main__")


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def staticfiles_backend(settings):
    """Dotted path of the staticfiles storage class, from STORAGES (Django 4.2+, which also
    maps the older STATICFILES_STORAGE into it) or STATICFILES_STORAGE."""
    try:
        from django.core.files.storage import storages

        return storages.backends["staticfiles"]["BACKEND"]
    except ImportError:
        return getattr(
            settings, "STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
        )


def probe(output_path):
    from django.apps import apps
    from django.conf import settings

    result = {"staticfiles_installed": apps.is_installed("django.contrib.staticfiles")}
    if result["staticfiles_installed"]:
        from django.contrib.staticfiles.finders import get_finders
        from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
        from django.core.files.storage import FileSystemStorage
        from django.utils.functional import empty
        from django.utils.module_loading import import_string

        static_root = getattr(settings, "STATIC_ROOT", None)
        backend = staticfiles_backend(settings)
        if not static_root and issubclass(import_string(backend), FileSystemStorage):
            # A local storage can't even be created without STATIC_ROOT: report it as unset.
            result.update(static_root=None, storage_backend=backend, storage_is_local=True)
            with open(output_path, "w") as output:
                json.dump(result, output)
            return
        if staticfiles_storage._wrapped is empty:
            staticfiles_storage._setup()
        storage = staticfiles_storage._wrapped
        local = isinstance(storage, FileSystemStorage)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            shaping = {name: repr(getattr(settings, name, None)) for name in STATIC_SETTINGS}
            shaping.update(
                (name, repr(getattr(settings, name)))
                for name in dir(settings)
                if name.startswith("WHITENOISE_")
            )
        from importlib.metadata import distributions

        packages = sorted(
            {f"{dist.metadata['Name']}=={dist.version}" for dist in distributions()}
        )
        files = {}
        ignore_patterns = apps.get_app_config("staticfiles").ignore_patterns
        for finder in get_finders():
            for path, source_storage in finder.list(ignore_patterns):
                prefix = getattr(source_storage, "prefix", None)
                prefixed = os.path.join(prefix, path) if prefix else path
                if prefixed in files:
                    continue  # collectstatic keeps the first one found, too
                source = source_storage.path(path)
                files[prefixed] = {"sha256": file_sha256(source), "source": source}
        result.update(
            static_root=os.fspath(static_root) if static_root else None,
            storage_backend=f"{type(storage).__module__}.{type(storage).__qualname__}",
            storage_is_local=local,
            storage_location=os.fspath(storage.location) if local else None,
            manifest_storage=isinstance(storage, ManifestFilesMixin),
            manifest_name=getattr(storage, "manifest_name", None),
            settings=shaping,
            packages=packages,
            files=files,
        )
    with open(output_path, "w") as output:
        json.dump(result, output)


def collectstatic(link, reuse_compressed, stats_path):
    stats = {"reused_compressed": 0}
    if reuse_compressed:
        try:
            from whitenoise.compress import Compressor
        except ImportError:
            Compressor = None
        if Compressor is not None:
            compress = Compressor.compress
            lock = threading.Lock()

            def compress_unless_present(self, path):
                present = [path + suffix for suffix in (".br", ".gz") if os.path.isfile(path + suffix)]
                if not present:
                    return compress(self, path)
                with lock:
                    stats["reused_compressed"] += 1
                return present

            Compressor.compress = compress_unless_present
    try:
        run_manage_py(["collectstatic", "--noinput", *(["--link"] if link else [])])
    finally:
        with open(stats_path, "w") as output:
            json.dump(stats, output)


def main():
    mode, *args = sys.argv[1:]
    if mode == "probe":
        (output_path,) = args
        run_manage_py(["check"], instead=lambda: probe(output_path))
    elif mode == "collectstatic":
        collectstatic("--link" in args, "--reuse-compressed" in args, args[-1])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()

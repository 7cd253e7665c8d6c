"""Django helper run by the assetpack/python buildpack, in the app's virtual environment.

It runs the app's own manage.py (so whatever manage.py sets up, such as DJANGO_SETTINGS_MODULE,
sys.path or dotenv loading, still applies) and either inspects the static files setup or runs
collectstatic.

    python assetpack_django.py probe OUTPUT.json
        Writes what the buildpack needs to decide about collectstatic: whether
        django.contrib.staticfiles is installed, STATIC_ROOT, the staticfiles storage class and
        whether it writes to the local filesystem, the settings and packages that shape the
        output (in a canonical form, see `canonical`), and every file the staticfiles finders
        would collect, with the sha256 of its content and its source path. A settings error
        propagates (traceback on stderr, non-zero exit).

    python assetpack_django.py collectstatic [--link] [--reuse-compressed] [--copy-list FILE] STATS.json
        Runs `manage.py collectstatic --noinput [--link]`. With --reuse-compressed, WhiteNoise's
        Compressor keeps an existing .br/.gz sibling instead of compressing the file again. The
        buildpack only passes it after deleting the siblings of every output whose source
        changed; hashed names embed their content's hash, so what remains matches its file.
        With --copy-list, the prefixed paths the JSON list in FILE names are copied even in
        --link mode (their sources aren't in the launch image). STATS.json gets the counts and,
        for manifest storages, the manifest's `original → hashed` paths.

File names travel through JSON as `fsname` strings: UTF-8 names as they are with '%' written as
'%25'; bytes that aren't UTF-8 as '%XX'. The buildpack decodes them back to bytes.
"""

import functools
import hashlib
import json
import os
import runpy
import sys
import threading
import warnings

# Like `python manage.py`: the app directory, not this script's, is first on sys.path.
sys.path[0] = os.getcwd()

# Settings that shape collectstatic's output besides the input files (whose content is hashed
# one by one: INSTALLED_APPS and STATICFILES_DIRS decide which files exist, and that is in the
# file list). WHITENOISE_* settings are added to these.
STATIC_SETTINGS = (
    "STATIC_ROOT",
    "STATIC_URL",
    "STATICFILES_FINDERS",
    "STATICFILES_STORAGE",
    "STORAGES",
    "FILE_UPLOAD_PERMISSIONS",
    "FILE_UPLOAD_DIRECTORY_PERMISSIONS",
)

# Distributions that shape the output whatever the storage: Django itself and the compression
# libraries WhiteNoise (or another storage) may use.
SHAPING_DISTRIBUTIONS = ("django", "whitenoise", "brotli", "brotlicffi", "brotlipy", "zopfli")


class Unstable(Exception):
    """A value with no stable form (its repr holds a memory address, or it can't be read)."""


def canonical(value, depth=0):
    """A JSON-ready form of a setting's value that is the same across builds: callables and
    classes by `module.qualname`, paths as strings, containers recursively (dicts by key, sets
    sorted). Raises Unstable for values whose only form changes from run to run."""
    if depth > 20:
        raise Unstable("nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return {"bytes": value.decode("utf-8", "backslashreplace")}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        return [canonical(item, depth + 1) for item in value]
    if isinstance(value, (set, frozenset)):
        items = [canonical(item, depth + 1) for item in value]
        return {"set": sorted(items, key=lambda item: json.dumps(item, sort_keys=True))}
    if isinstance(value, dict):
        return {
            str(key): canonical(item, depth + 1)
            for key, item in sorted(value.items(), key=lambda pair: str(pair[0]))
        }
    if isinstance(value, functools.partial):
        return {
            "partial": canonical(value.func, depth + 1),
            "args": canonical(value.args, depth + 1),
            "keywords": canonical(value.keywords, depth + 1),
        }
    if isinstance(value, type) or callable(value):
        module = getattr(value, "__module__", None)
        qualname = getattr(value, "__qualname__", None)
        if module and qualname:
            return {"callable": f"{module}.{qualname}"}
        # A callable instance: its class names it, its attributes tell it apart.
    return canonical_object(value, depth)


def canonical_object(value, depth):
    text = repr(value)
    if " at 0x" not in text:
        return {"repr": text}
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        cls = type(value)
        return {
            "object": f"{cls.__module__}.{cls.__qualname__}",
            "attributes": canonical(attributes, depth + 1),
        }
    raise Unstable(text)


def shaping_settings(settings):
    """(name → canonical JSON text, names left out because they have no stable form)."""
    names = list(STATIC_SETTINGS) + sorted(
        name for name in dir(settings) if name.startswith("WHITENOISE_")
    )
    shaping, unstable = {}, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in names:
            try:
                shaping[name] = json.dumps(
                    canonical(getattr(settings, name, None)), sort_keys=True
                )
            except Exception:  # noqa: BLE001 - any failure means "no stable form"
                unstable.append(name)
    return shaping, unstable


def distribution_of(module_name, module_distributions):
    top = module_name.split(".")[0]
    return module_distributions.get(top, [])


def shaping_packages(storage, finder_classes):
    """`name → version` of the distributions that shape the output (Django, compression
    libraries, the storage backend's and the configured finders' packages), plus `file:<path>
    → sha256` for classes of theirs defined in the app's own modules (not in a distribution)."""
    from importlib.metadata import distributions, packages_distributions

    module_distributions = packages_distributions()
    versions = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name:
            versions.setdefault(name.lower().replace("_", "-"), (name, dist.version))
    wanted = set(SHAPING_DISTRIBUTIONS)
    app_files = set()
    classes = list(type(storage).__mro__) + [
        klass for finder in finder_classes for klass in type(finder).__mro__
    ]
    for klass in classes:
        module_name = getattr(klass, "__module__", "") or ""
        if module_name == "builtins":
            continue
        dists = distribution_of(module_name, module_distributions)
        wanted.update(dist.lower().replace("_", "-") for dist in dists)
        if not dists:
            module = sys.modules.get(module_name)
            path = getattr(module, "__file__", None)
            if path and os.path.realpath(path).startswith(os.getcwd() + os.sep):
                app_files.add(os.path.relpath(os.path.realpath(path)))
    packages = {
        versions[key][0]: versions[key][1] for key in sorted(wanted) if key in versions
    }
    for path in sorted(app_files):
        packages[f"file:{path}"] = file_sha256(path)[:16]
    return packages


def fsname(name):
    """A file name as text that survives JSON: '%' as '%25', non-UTF-8 bytes as '%XX'."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8").replace("%", "%25")
    except UnicodeDecodeError:
        pass
    out = []
    index = 0
    while index < len(raw):
        # Decode the longest valid UTF-8 run, escape the byte that stops it.
        try:
            out.append(raw[index:].decode("utf-8").replace("%", "%25"))
            break
        except UnicodeDecodeError as error:
            out.append(raw[index : index + error.start].decode("utf-8").replace("%", "%25"))
            out.append("%%%02X" % raw[index + error.start])
            index += error.start + 1
    return "".join(out)


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
        shaping, unstable = shaping_settings(settings)
        finders = list(get_finders())
        files = {}
        ignore_patterns = apps.get_app_config("staticfiles").ignore_patterns
        for finder in finders:
            for path, source_storage in finder.list(ignore_patterns):
                prefix = getattr(source_storage, "prefix", None)
                prefixed = os.path.join(prefix, path) if prefix else path
                name = fsname(prefixed)
                if name in files:
                    continue  # collectstatic keeps the first one found, too
                source = source_storage.path(path)
                files[name] = {"sha256": file_sha256(source), "source": fsname(source)}
        result.update(
            static_root=os.fspath(static_root) if static_root else None,
            storage_backend=f"{type(storage).__module__}.{type(storage).__qualname__}",
            storage_is_local=local,
            storage_location=os.fspath(storage.location) if local else None,
            manifest_storage=isinstance(storage, ManifestFilesMixin),
            manifest_name=getattr(storage, "manifest_name", None),
            settings=shaping,
            unstable_settings=unstable,
            packages=shaping_packages(storage, finders),
            files=files,
        )
    with open(output_path, "w") as output:
        json.dump(result, output)


def collectstatic(link, reuse_compressed, copy_list, stats_path):
    stats = {"reused_compressed": 0, "copied": 0}
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
    copy_names = set()
    if copy_list:
        with open(copy_list) as file:
            copy_names = set(json.load(file))

    def after_setup():
        from django.contrib.staticfiles.management.commands import collectstatic as command

        if copy_names:
            link_file = command.Command.link_file

            def link_or_copy(self, path, prefixed_path, source_storage):
                if fsname(prefixed_path) in copy_names:
                    stats["copied"] += 1
                    return self.copy_file(path, prefixed_path, source_storage)
                return link_file(self, path, prefixed_path, source_storage)

            command.Command.link_file = link_or_copy
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, link=link, skip_checks=False)
        from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

        if isinstance(staticfiles_storage._wrapped, ManifestFilesMixin):
            paths = staticfiles_storage.load_manifest()
            if isinstance(paths, tuple):  # Django 4.2+: (paths, manifest hash)
                paths = paths[0]
            stats["manifest_paths"] = {fsname(k): fsname(v) for k, v in paths.items()}

    try:
        run_manage_py(["collectstatic", "--noinput"], instead=after_setup)
    finally:
        with open(stats_path, "w") as output:
            json.dump(stats, output)


def main():
    mode, *args = sys.argv[1:]
    if mode == "probe":
        (output_path,) = args
        run_manage_py(["check"], instead=lambda: probe(output_path))
    elif mode == "collectstatic":
        copy_list = args[args.index("--copy-list") + 1] if "--copy-list" in args else None
        collectstatic("--link" in args, "--reuse-compressed" in args, copy_list, args[-1])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()

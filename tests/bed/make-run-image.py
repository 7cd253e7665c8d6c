#!/usr/bin/env python3
"""Writes a minimal, deterministic OCI image layout usable as the lifecycle's run image.

usage: make-run-image.py OUT_LAYOUT_DIR DISTRO_NAME DISTRO_VERSION ARCH [--user UID:GID]

The image has one gzip layer holding etc/os-release, and a config with os=linux, the given
architecture, User=<build user uid:gid>, Env=[PATH=...] and the labels
io.buildpacks.base.distro.name / io.buildpacks.base.distro.version (what the analyzer turns into
analyzed.toml [run-image.target], and so into CNB_TARGET_DISTRO_* for the buildpacks).

The build user is $ASSETPACK_BUILD_USER (default `cnb`) when run as root, else the invoking user.
The same inputs always give byte-identical blobs (same digests), so rewriting it every build does
not change the run image the lifecycle sees.  OUT_LAYOUT_DIR is replaced as a whole.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import pwd
import shutil
import sys
import tarfile

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
EPOCH = "1970-01-01T00:00:00Z"


def build_user_ids():
    if os.getuid() == 0:
        name = os.environ.get("ASSETPACK_BUILD_USER", "cnb")
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            sys.exit(f"make-run-image: build user '{name}' does not exist (run tests/bed/ensure-user.sh)")
        return pw.pw_uid, pw.pw_gid
    return os.getuid(), os.getgid()


def layer_tar(distro, version):
    os_release = (
        f'PRETTY_NAME="{distro} {version} (assetpack test run image)"\n'
        f'NAME="{distro}"\n'
        f"ID={distro}\n"
        f'VERSION_ID="{version}"\n'
    ).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        d = tarfile.TarInfo("etc")
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, 0
        tar.addfile(d)
        f = tarfile.TarInfo("etc/os-release")
        f.mode, f.mtime, f.size = 0o644, 0, len(os_release)
        tar.addfile(f, io.BytesIO(os_release))
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("distro_name")
    ap.add_argument("distro_version")
    ap.add_argument("arch")
    ap.add_argument("--user", help="UID:GID for the config User (default: the build user)")
    a = ap.parse_args()

    user = a.user or "%d:%d" % build_user_ids()
    out = os.path.abspath(a.out)
    tmp = out + ".tmp-%d" % os.getpid()
    shutil.rmtree(tmp, ignore_errors=True)
    blobs = os.path.join(tmp, "blobs", "sha256")
    os.makedirs(blobs)

    def put(data):
        h = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, h), "wb") as f:
            f.write(data)
        return "sha256:" + h, len(data)

    raw = layer_tar(a.distro_name, a.distro_version)
    diff_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    layer_digest, layer_size = put(gzip.compress(raw, compresslevel=9, mtime=0))
    config = {
        "architecture": a.arch,
        "os": "linux",
        "created": EPOCH,
        "config": {
            "User": user,
            "Env": ["PATH=" + PATH],
            "Labels": {
                "io.buildpacks.base.distro.name": a.distro_name,
                "io.buildpacks.base.distro.version": a.distro_version,
            },
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": EPOCH, "created_by": "tests/bed/make-run-image.py"}],
    }
    cfg_digest, cfg_size = put(json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_digest, "size": cfg_size},
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer_size}
        ],
    }
    man_digest, man_size = put(json.dumps(manifest, sort_keys=True).encode())
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": man_digest,
                "size": man_size,
                "platform": {"architecture": a.arch, "os": "linux"},
            }
        ],
    }
    with open(os.path.join(tmp, "index.json"), "w") as f:
        json.dump(index, f, sort_keys=True)
    with open(os.path.join(tmp, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)

    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    os.rename(tmp, out)
    print(man_digest)


if __name__ == "__main__":
    main()

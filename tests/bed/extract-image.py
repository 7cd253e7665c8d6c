#!/usr/bin/env python3
"""Lays the app image's files under the workspace back onto disk, exactly as the image carries them.

usage: extract-image.py --workspace DIR [--image NAME] [--if-changed]

Reads the image from the OCI layout DIR/oci/<ref path>, deletes DIR/layers and DIR/app, then
applies the image's layers in order, keeping only entries strictly under DIR (so /cnb/..., the
run image's files and the workspace's ancestors are skipped).  Build-only and cache-only layers are
not in the image, so they are absent afterwards.

- Regular files, directories, symlinks and hard links are created with the tar's mode and mtime;
  as root also with its numeric uid/gid (the exporter writes the build user's ids).
- Whiteouts (.wh.NAME, .wh..wh..opq) are honoured within the workspace.
- Entries with '..' components, hard links to targets outside DIR, and entries whose parent
  resolves (through symlinks) outside DIR are refused: the script exits 1 with an error.
- --if-changed: do nothing when DIR/.bed-extracted already names this image's manifest digest.

Prints one summary line to stderr and the manifest digest to stdout.
"""

import argparse
import os
import posixpath
import shutil
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ocilayout  # noqa: E402

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


class Refused(Exception):
    pass


def remove(path):
    if os.path.islink(path) or not os.path.isdir(path):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    else:
        shutil.rmtree(path)


class Extractor:
    def __init__(self, ws):
        self.ws = ws
        self.real_ws = os.path.realpath(ws)
        self.as_root = os.geteuid() == 0
        self.dir_meta = {}
        self.count = 0
        self.skipped = 0

    def dest_for(self, name):
        rel = name.lstrip("/")
        parts = rel.split("/")
        if ".." in parts:
            raise Refused(f"entry {name!r} has a '..' component")
        rel = posixpath.normpath(rel)
        return "/" + rel if rel != "." else "/"

    def inside(self, path):
        return path.startswith(self.ws + "/")

    def check_parent(self, dest):
        parent = os.path.realpath(os.path.dirname(dest))
        if parent != self.real_ws and not parent.startswith(self.real_ws + "/"):
            raise Refused(f"{dest!r}: parent resolves to {parent!r}, outside the workspace")

    def ensure_parent(self, dest):
        parent = os.path.dirname(dest)
        if not os.path.isdir(parent):
            os.makedirs(parent, exist_ok=True)

    def owner(self, path, ti):
        if self.as_root:
            os.lchown(path, ti.uid, ti.gid)

    def apply(self, tar):
        for ti in tar:
            dest = self.dest_for(ti.name)
            if not self.inside(dest):
                self.skipped += 1
                continue
            self.check_parent(dest)
            base = os.path.basename(dest)
            if base == OPAQUE:
                d = os.path.dirname(dest)
                if os.path.isdir(d):
                    for child in os.listdir(d):
                        remove(os.path.join(d, child))
                continue
            if base.startswith(WHITEOUT):
                remove(os.path.join(os.path.dirname(dest), base[len(WHITEOUT):]))
                continue
            self.ensure_parent(dest)
            self.count += 1
            if ti.isdir():
                if os.path.lexists(dest) and not (os.path.isdir(dest) and not os.path.islink(dest)):
                    remove(dest)
                os.makedirs(dest, mode=0o700, exist_ok=True)
                os.chmod(dest, ti.mode | 0o700)  # final mode applied at the end
                self.owner(dest, ti)
                self.dir_meta[dest] = ti
            elif ti.isreg():
                if os.path.lexists(dest):
                    remove(dest)
                fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                with os.fdopen(fd, "wb") as out:
                    src = tar.extractfile(ti)
                    shutil.copyfileobj(src, out, 1 << 20)
                self.owner(dest, ti)
                os.chmod(dest, ti.mode)
                os.utime(dest, (ti.mtime, ti.mtime))
            elif ti.issym():
                if os.path.lexists(dest):
                    remove(dest)
                os.symlink(ti.linkname, dest)
                self.owner(dest, ti)
                os.utime(dest, (ti.mtime, ti.mtime), follow_symlinks=False)
            elif ti.islnk():
                target = self.dest_for(ti.linkname)
                if not self.inside(target):
                    raise Refused(f"hard link {dest!r} -> {ti.linkname!r} points outside the workspace")
                self.check_parent(target)
                if os.path.lexists(dest):
                    remove(dest)
                os.link(target, dest, follow_symlinks=False)
            else:
                print(f"[bed] extract-image: skipping special file {dest}", file=sys.stderr)
                self.count -= 1

    def finish(self):
        # Deepest first, so setting a parent's mtime is not undone by touching its children.
        for path in sorted(self.dir_meta, key=len, reverse=True):
            ti = self.dir_meta[path]
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, ti.mode)
                os.utime(path, (ti.mtime, ti.mtime))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--image", default="localhost/assetpack/app:test")
    ap.add_argument("--if-changed", action="store_true")
    a = ap.parse_args()

    ws = os.path.normpath(a.workspace)
    if not os.path.isabs(ws) or ws == "/":
        sys.exit("extract-image: --workspace must be an absolute path other than /")
    layout = ocilayout.image_layout_dir(ws, a.image)
    try:
        desc, manifest, _config = ocilayout.load_image(layout)
    except (ocilayout.LayoutError, OSError) as e:
        sys.exit(f"extract-image: cannot read image {a.image}: {e}")

    marker = os.path.join(ws, ".bed-extracted")
    if a.if_changed and os.path.isfile(marker):
        with open(marker) as f:
            if f.read().strip() == desc["digest"]:
                print(f"[bed] image {desc['digest']} already extracted", file=sys.stderr)
                print(desc["digest"])
                return
    try:
        os.unlink(marker)
    except FileNotFoundError:
        pass

    for sub in ("layers", "app"):
        p = os.path.join(ws, sub)
        if os.path.lexists(p):
            remove(p)

    ex = Extractor(ws)
    try:
        for layer in manifest["layers"]:
            with tarfile.open(ocilayout.blob_path(layout, layer["digest"]), mode="r:*") as tar:
                ex.apply(tar)
        ex.finish()
    except Refused as e:
        sys.exit(f"extract-image: refusing image {a.image}: {e}")

    with open(marker, "w") as f:
        f.write(desc["digest"] + "\n")
    print(
        f"[bed] extracted {ex.count} entries from {len(manifest['layers'])} layers of {a.image} "
        f"({desc['digest']}), skipped {ex.skipped} outside {ws}",
        file=sys.stderr,
    )
    print(desc["digest"])


if __name__ == "__main__":
    main()

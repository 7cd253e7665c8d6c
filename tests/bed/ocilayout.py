"""Minimal reading of the OCI image layouts the lifecycle writes in `-layout` mode.

Shared by image-info.py and extract-image.py (stdlib only).
"""

import json
import os

MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)


class LayoutError(Exception):
    pass


def ref_to_path(ref):
    """Image reference -> path inside the layout dir, like imgutil's layout.ParseRefToPath.

    This follows go-containerregistry v0.20.6 (the one lifecycle v0.21.0 is built with), where the
    first component is a registry only if it contains '.' or ':' -- "localhost" alone is NOT a
    registry there, so it lands under index.docker.io:

    localhost/assetpack/app:test  -> index.docker.io/localhost/assetpack/app/test
    my-app                        -> index.docker.io/library/my-app/latest
    localhost:5000/a/b@sha256:abc -> localhost:5000/a/b/sha256/abc
    """
    name, digest, tag = ref, None, None
    if "@" in name:
        name, digest = name.split("@", 1)
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0]):
        registry, repo = parts[0], "/".join(parts[1:])
    else:
        registry, repo = "index.docker.io", name
        if "/" not in repo:
            repo = "library/" + repo
    if registry == "docker.io":
        registry = "index.docker.io"
    if digest:
        algo, hexd = digest.split(":", 1)
        return os.path.join(registry, repo, algo, hexd)
    return os.path.join(registry, repo, tag or "latest")


def blob_path(layout, digest):
    algo, hexd = digest.split(":", 1)
    return os.path.join(layout, "blobs", algo, hexd)


def read_json_blob(layout, digest):
    with open(blob_path(layout, digest), "rb") as f:
        return json.load(f)


def image_layout_dir(workspace, image):
    return os.path.join(workspace, "oci", ref_to_path(image))


def load_image(layout):
    """Returns (manifest_descriptor, manifest, config) of the image in an OCI layout dir."""
    index_file = os.path.join(layout, "index.json")
    if not os.path.isfile(index_file):
        raise LayoutError(f"no OCI image layout at {layout} (missing index.json)")
    with open(index_file, "rb") as f:
        index = json.load(f)
    desc = None
    manifests = index.get("manifests") or []
    while True:
        if not manifests:
            raise LayoutError(f"{index_file}: no manifests")
        # The lifecycle (imgutil) rewrites index.json with exactly one manifest; take the last
        # one should there ever be more.
        desc = manifests[-1]
        if desc.get("mediaType") in INDEX_TYPES:
            manifests = read_json_blob(layout, desc["digest"]).get("manifests") or []
            continue
        break
    manifest = read_json_blob(layout, desc["digest"])
    config = read_json_blob(layout, manifest["config"]["digest"])
    return desc, manifest, config


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "ref-to-path":
        print(ref_to_path(sys.argv[2]))
    else:
        sys.exit("usage: ocilayout.py ref-to-path IMAGE_REF")

#!/usr/bin/env python3
"""Prints JSON describing the app image that cnb-build.sh exported into a workspace.

usage: image-info.py WORKSPACE_DIR [IMAGE]        (IMAGE defaults to localhost/assetpack/app:test)

Output (one JSON object on stdout):
  manifest_digest     digest of the image manifest (changes whenever anything in the image does)
  config_env          the image config Env list
  entrypoint, working_dir, user
  layers              [{"digest", "diff_id", "size", "media_type"}] in image order
  lifecycle_metadata  parsed io.buildpacks.lifecycle.metadata label
  build_metadata      parsed io.buildpacks.build.metadata label (processes, buildpacks, launcher)
  buildpack_layers    {"<buildpack id>/<layer name>": {"sha", "launch", "build", "cache", "data", ...}}
                      one entry per buildpack layer that is IN the image (launch=true layers);
                      "sha" is the layer's diff_id, so compare it across builds to see if a layer
                      was reused (same) or rebuilt (different).
  cache_layers        same shape, from the volume cache (WORKSPACE/cache/committed/
                      io.buildpacks.lifecycle.cache.metadata): the cache=true layers, including
                      cache-only ones that are not in the image; {} when there is no cache yet.
Exits 1 with a message on stderr if there is no such image.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ocilayout  # noqa: E402


def label_json(labels, key):
    raw = labels.get(key)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: image-info.py WORKSPACE_DIR [IMAGE]")
    ws = os.path.normpath(sys.argv[1])
    image = sys.argv[2] if len(sys.argv) == 3 else "localhost/assetpack/app:test"
    try:
        desc, manifest, config = ocilayout.load_image(ocilayout.image_layout_dir(ws, image))
    except (ocilayout.LayoutError, OSError) as e:
        sys.exit(f"image-info: cannot read image {image}: {e}")

    c = config.get("config") or {}
    labels = c.get("Labels") or {}
    diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
    layers = []
    for i, layer in enumerate(manifest.get("layers") or []):
        layers.append(
            {
                "digest": layer["digest"],
                "diff_id": diff_ids[i] if i < len(diff_ids) else None,
                "size": layer.get("size"),
                "media_type": layer.get("mediaType"),
            }
        )
    lifecycle_md = label_json(labels, "io.buildpacks.lifecycle.metadata") or {}
    bp_layers = {}
    for bp in lifecycle_md.get("buildpacks") or []:
        for name, md in (bp.get("layers") or {}).items():
            bp_layers[f"{bp['key']}/{name}"] = md

    cache_layers = {}
    cache_md_file = os.path.join(ws, "cache", "committed", "io.buildpacks.lifecycle.cache.metadata")
    if os.path.isfile(cache_md_file):
        with open(cache_md_file, "rb") as f:
            cache_md = json.load(f)
        for bp in cache_md.get("buildpacks") or []:
            for name, md in (bp.get("layers") or {}).items():
                cache_layers[f"{bp['key']}/{name}"] = md

    json.dump(
        {
            "image": image,
            "manifest_digest": desc["digest"],
            "config_env": c.get("Env") or [],
            "entrypoint": c.get("Entrypoint"),
            "working_dir": c.get("WorkingDir"),
            "user": c.get("User"),
            "layers": layers,
            "lifecycle_metadata": lifecycle_md,
            "build_metadata": label_json(labels, "io.buildpacks.build.metadata"),
            "buildpack_layers": bp_layers,
            "cache_layers": cache_layers,
        },
        sys.stdout,
        indent=2,
        sort_keys=True,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

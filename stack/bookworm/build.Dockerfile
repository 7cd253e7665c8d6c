# The build image of the assetpack/python stack (Debian 12 "bookworm").
# Builds with the official base (`docker build -f stack/bookworm/build.Dockerfile stack/bookworm`) or, as
# tests/pack/setup.sh does, on a base made by debootstrap (`--build-arg BASE_IMAGE=...`).
#
# What it has: everything the run image has (run-packages.txt: the Python runtime's shared libraries
# and the run-time libraries of common packages), plus what Python apps commonly need to build
# their dependencies from source: a C/C++ toolchain, pkg-config, git, and the headers of PostgreSQL,
# libffi, OpenSSL, libjpeg, zlib, libxml2/libxslt and libcurl.
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim
FROM ${BASE_IMAGE}

ARG CNB_USER_ID=1000
ARG CNB_GROUP_ID=1000

COPY run-packages.txt /tmp/run-packages.txt
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        $(sed -e 's/#.*//' /tmp/run-packages.txt) \
        build-essential pkg-config git curl xz-utils zstd unzip \
        libpq-dev libffi-dev libssl-dev libjpeg-dev zlib1g-dev libxml2-dev libxslt1-dev \
        libcurl4-openssl-dev; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /tmp/run-packages.txt; \
    groupadd --gid "${CNB_GROUP_ID}" cnb; \
    useradd --uid "${CNB_USER_ID}" --gid "${CNB_GROUP_ID}" --create-home --shell /bin/bash cnb

ENV CNB_USER_ID=${CNB_USER_ID} CNB_GROUP_ID=${CNB_GROUP_ID} LANG=C.UTF-8
LABEL io.buildpacks.base.distro.name="debian" \
      io.buildpacks.base.distro.version="12" \
      io.buildpacks.base.maintainer="assetpack" \
      org.opencontainers.image.description="assetpack/python build image (Debian 12)"
USER ${CNB_USER_ID}:${CNB_GROUP_ID}

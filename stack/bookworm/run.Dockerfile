# The run image of the assetpack/python stack (Debian 12 "bookworm"): only what the CPython
# runtime archives and common wheels need at run time — the packages in run-packages.txt (the
# "run image contract" in the README; stack/run-image-packages.sh derives its first part from the
# archives' ELF files). No compilers, no headers, no package lists.
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim
FROM ${BASE_IMAGE}

ARG CNB_USER_ID=1000
ARG CNB_GROUP_ID=1000

COPY run-packages.txt /tmp/run-packages.txt
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends $(sed -e 's/#.*//' /tmp/run-packages.txt); \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /tmp/run-packages.txt; \
    groupadd --gid "${CNB_GROUP_ID}" cnb; \
    useradd --uid "${CNB_USER_ID}" --gid "${CNB_GROUP_ID}" --create-home --shell /bin/bash cnb

ENV CNB_USER_ID=${CNB_USER_ID} CNB_GROUP_ID=${CNB_GROUP_ID} LANG=C.UTF-8
LABEL io.buildpacks.base.distro.name="debian" \
      io.buildpacks.base.distro.version="12" \
      io.buildpacks.base.maintainer="assetpack" \
      org.opencontainers.image.description="assetpack/python run image (Debian 12)"
USER ${CNB_USER_ID}:${CNB_GROUP_ID}

# Tests only: a local stand-in for docker.io/buildpacksio/lifecycle (used by untrusted builds),
# made from the builder's lifecycle tarball. Labels are passed by tests/pack/setup.sh.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ADD lifecycle.tgz /cnb/
WORKDIR /layers

# Tests only: the stack's build image plus the CA certificates of the machine running the tests
# (a network that intercepts TLS needs them for pip, uv and npm inside the build container).
# Never part of what users get: tests/pack/setup.sh builds it from a context holding only certs/.
ARG BUILD_IMAGE
FROM ${BUILD_IMAGE}
USER root
COPY certs/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
# pip trusts its own bundle (certifi) unless configured, as on the host. (Environment variables
# here would not help: the lifecycle passes buildpacks only an allowlist of the image's env. npm
# trusts the system store through NODE_USE_SYSTEM_CA=1, which our nodejs layer sets.)
RUN printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >/etc/pip.conf
ARG CNB_USER_ID=1000
ARG CNB_GROUP_ID=1000
USER ${CNB_USER_ID}:${CNB_GROUP_ID}

# Tests only: the stack's build image plus the CA certificates of the machine running the tests
# (a network that intercepts TLS needs them for pip, uv and npm inside the build container).
# Never part of what users get: tests/pack/setup.sh builds it from a context holding only certs/.
ARG BUILD_IMAGE
FROM ${BUILD_IMAGE}
USER root
COPY certs/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
# npm uses Node's own CA list unless told; pip and uv (native TLS) read the system store.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
ARG CNB_USER_ID=1000
ARG CNB_GROUP_ID=1000
USER ${CNB_USER_ID}:${CNB_GROUP_ID}

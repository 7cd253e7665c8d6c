# Tests only: a build image that breaks the run image contract — the run image's packages without
# libssl3 — so that the buildpack's runtime check has to name the missing library.
ARG RUN_IMAGE
FROM ${RUN_IMAGE}
USER root
RUN dpkg --purge --force-depends libssl3 >/dev/null 2>&1 && ! test -e /usr/lib/x86_64-linux-gnu/libssl.so.3
ARG CNB_USER_ID=1000
ARG CNB_GROUP_ID=1000
USER ${CNB_USER_ID}:${CNB_GROUP_ID}

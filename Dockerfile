# The Lguest Journey explorer as one container: gunicorn serving the Flask app, with the GNU
# toolchain (cpp + as + ld) for edit-and-run. Build it with
#
#     bash deploy/build-image.sh                 # wheelhouse on the host, then buildah/docker build
#
# which first puts the pinned dependency wheels in build/container/wheels/ and the project's wheel
# in build/container/dist/ (pip inside the build has no network/CA trust; see docs/deploy.md).
# Run it with
#
#     docker run -p 8000:8000 lguest-journey     (or podman; add --read-only --tmpfs /tmp if you like)
#
# The base is a Debian bookworm minbase image made by .ci/base-image.sh; with a Docker daemon and a
# registry use --build-arg BASE_IMAGE=debian:bookworm-slim instead.
ARG BASE_IMAGE=localhost/debian:bookworm-slim
FROM ${BASE_IMAGE}

# System layer: Python and the toolchain that assembles edited source (libc6-dev: the headers the guest
# write-log hook compiles against; esbuild: the static CSS and JavaScript are served minified); a non-root user.
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv binutils cpp gcc libc6-dev universal-ctags esbuild \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && groupadd --gid 10001 journey \
 && useradd --no-log-init --uid 10001 --gid journey --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin journey

# Dependency layer (rebuilt only when the pinned, hashed requirements change): a venv from the
# wheelhouse, bind-mounted so the wheels themselves do not stay in the image.
COPY build/container/wheels/requirements.txt /venv-requirements.txt
RUN --mount=type=bind,source=build/container/wheels,target=/tmp/wheels \
    python3 -m venv /venv \
 && /venv/bin/pip install --no-index --find-links /tmp/wheels --require-hashes --no-cache-dir \
        --disable-pip-version-check -q -r /venv-requirements.txt

# Code layer: the project's own wheel (code, templates, static files, bundled content, prebuilt build), and the
# guest write-log hook compiled beside the code as root (a noexec /tmp tmpfs cannot stop it loading).
COPY build/container/dist/ /tmp/dist/
RUN /venv/bin/pip install --no-index --no-deps --no-cache-dir --disable-pip-version-check -q /tmp/dist/*.whl \
 && /venv/bin/pip check \
 && /venv/bin/python -m journey_app.guest.writelog \
 && rm -rf /tmp/dist \
 && mkdir -p /content

# Everything the app writes goes under /tmp, so `--read-only --tmpfs /tmp` works. Content: mount a
# folder at /content and set JOURNEY_CONTENT=/content (default: the content bundled in the package).
ENV PATH=/venv/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    JOURNEY_HOST=0.0.0.0 \
    JOURNEY_PORT=8000 \
    JOURNEY_CACHE=/tmp/journey-cache \
    WEB_CONCURRENCY=2

USER 10001:10001
WORKDIR /tmp
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/venv/bin/python", "-c", "import os, urllib.request; h = os.environ.get('JOURNEY_HOST', '127.0.0.1'); h = '127.0.0.1' if h in ('', '0.0.0.0', '::') else h; urllib.request.urlopen('http://%s:%s/healthz' % (h, os.environ.get('JOURNEY_PORT', '8000')), timeout=4).read()"]

CMD ["/venv/bin/gunicorn", "--config", "python:journey_app.web.gunicorn_conf", "journey_app.web:create_app()"]

#!/usr/bin/env bash
# Set up a fresh Debian machine for pointlabel: system packages, a virtualenv, the package.
# Idempotent and quick when everything is already there. Called by `make demo` / `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# libusb-1.0-0: without it `import open3d` fails. libgl1/libegl1/libgomp1: Open3D's renderer and
# OpenMP. chromium + chromium-driver: the browser tests drive a real headless Chromium.
DEBS="libusb-1.0-0 libgl1 libegl1 libgomp1 chromium chromium-driver postgresql"
missing=""
for p in $DEBS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing Debian packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev]'
  # nuscenes-devkit pins numpy<2 while datumaro needs numpy>=2.2; the devkit runs on numpy 2 for what
  # the tests use (tests/formats/test_nuscenes.py), so it goes in without its pins (its deps are in [dev]).
  .venv/bin/pip install -q --no-deps 'nuscenes-devkit==1.2.0'
  touch "$stamp"
fi

# The canvas (js/src: three.js, bundled by esbuild) into pointlabel/app/assets/canvas.bundle.js,
# from the npm registry through js/package-lock.json. Rebuilt when a source or the lock changes.
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
jsstamp=js/node_modules/.installed-$(sha1sum js/package-lock.json | cut -c1-12)
if [ ! -f "$jsstamp" ]; then
  (cd js && npm ci --no-audit --no-fund --loglevel=error)
  touch "$jsstamp"
fi
bundle=pointlabel/app/assets/canvas.bundle.js
if [ ! -f "$bundle" ] || [ -n "$(find js/src js/package.json -newer "$bundle" -print -quit)" ]; then
  (cd js && npm run --silent build)
fi

#!/usr/bin/env bash
# Create .venv and install gridmap with its test tools. Re-installs only when pyproject.toml
# changed since the last install (a stamp file in .venv), so a second run is quick.
set -euo pipefail
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
log() { printf 'setup-python: %s\n' "$*"; }

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  log "gridmap needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)"; exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    log "installing python3-venv"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv python3-dev >/dev/null
    rm -rf "$VENV"; "$PYTHON" -m venv "$VENV"
  fi
fi
# psycopg2 builds against libpq: it needs pg_config and the headers.
if ! command -v pg_config >/dev/null 2>&1; then
  log "installing libpq-dev (for psycopg2)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libpq-dev >/dev/null
fi
stamp="$VENV/.gridmap-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  log "up to date"; exit 0
fi
log "installing gridmap and its dependencies into $VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# compat: the checkout on sys.path by a plain .pth line; the default editable mode imports a finder
# (pathlib, importlib.util, re) at every Python start, doubling a `gridmap` command's start (~10 ms).
"$VENV/bin/python" -m pip install -q -e '.[test]' --config-settings editable_mode=compat
# a `gridmap daemon` of this installation would go on running the libraries it imported before
"$VENV/bin/gridmap" daemon stop > /dev/null 2>&1 || true
echo "$want" > "$stamp"
log "ok"

#!/usr/bin/env bash
# Front-end packages (Leaflet and plugins) from the npm registry into node_modules/, which the
# service serves under /static/vendor, Debian's Chromium for the browser tests and GDAL's tools for
# the OGC client tests. Quick when all are there already.
set -euo pipefail
log() { printf 'setup-web: %s\n' "$*"; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

if ! command -v npm >/dev/null 2>&1; then
  log "installing nodejs and npm"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
stamp="node_modules/.gridmap-installed"
want="$(sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  log "front-end packages up to date"
else
  log "installing front-end packages (npm ci)"
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  echo "$want" > "$stamp"
fi
if [ ! -x /usr/bin/chromium ]; then
  log "installing Debian's chromium (browser tests)"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# GDAL's command-line tools (ogrinfo, ogr2ogr): the OGC API client of tests/test_ogc.py.
if ! command -v ogrinfo >/dev/null 2>&1; then
  log "installing gdal-bin (the OGC API – Features client tests)"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gdal-bin >/dev/null
fi
# Chinese labels in headless pages and printed maps need a CJK font.
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  log "installing fonts-noto-cjk (Chinese in headless pages)"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-noto-cjk >/dev/null
fi
log "ok"

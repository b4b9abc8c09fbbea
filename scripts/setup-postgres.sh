#!/usr/bin/env bash
# Make sure a PostgreSQL server with PostGIS 3 and pgRouting is running locally and that the
# current OS user can create databases on it.
#
# Idempotent: on a machine that already has everything it only checks, and changes nothing.
# When GRIDMAP_DATABASE_URL names another server, that server is the user's business: this script
# leaves the OS alone and the migrations create the extensions there.
set -euo pipefail

log() { printf 'setup-postgres: %s\n' "$*"; }

if [ -n "${GRIDMAP_DATABASE_URL:-}" ]; then
  log "GRIDMAP_DATABASE_URL is set: using that server, installing nothing."
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    log "not root and no sudo: cannot install OS packages"; fi
fi

APT_UPDATED=0
apt_install() {
  # Install Debian packages that are not installed yet.
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

# 1. A cluster: use the one that exists, else install Debian's default PostgreSQL.
if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  apt_install postgresql postgresql-contrib
fi
read -r PGVER PGCLUSTER PGPORT PGSTATUS _ < <(pg_lsclusters -h | sort -k3,3n | head -n 1)
log "cluster $PGVER/$PGCLUSTER on port $PGPORT is $PGSTATUS"

# 2. PostGIS and pgRouting built for that server version; libpq headers for psycopg2.
apt_install "postgresql-$PGVER-postgis-3" "postgresql-$PGVER-pgrouting" libpq-dev

# 3. A running server.
if [ "$PGSTATUS" != "online" ]; then
  log "starting cluster $PGVER/$PGCLUSTER"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$PGVER" "$PGCLUSTER" start
fi
for _ in $(seq 1 30); do
  pg_isready -q -p "$PGPORT" && break
  sleep 1
done
pg_isready -q -p "$PGPORT" || { log "server did not come up on port $PGPORT"; exit 1; }

# 4. A superuser role for the current OS user (tests create and drop their own databases and
#    PostGIS is not a trusted extension), reached over the Unix socket with peer/trust auth.
ME="$(id -un)"
as_postgres() {
  if [ "$ME" = "postgres" ]; then "$@"; elif [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@";
  else sudo -u postgres "$@"; fi
}
if ! as_postgres psql -p "$PGPORT" -Atqc "select 1 from pg_roles where rolname = '$ME'" | grep -q 1; then
  log "creating superuser role $ME"
  as_postgres psql -p "$PGPORT" -qc "create role \"$ME\" login superuser"
fi
if ! psql -p "$PGPORT" -d postgres -Atqc "select 1 from pg_database where datname = 'gridmap'" | grep -q 1; then
  log "creating database gridmap"
  createdb -p "$PGPORT" gridmap
fi
log "ok"

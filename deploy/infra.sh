#!/usr/bin/env bash
# PostgreSQL 15 and RabbitMQ from Debian's packages, on loopback, for `lotse dev` and the tests.
#   deploy/infra.sh up      install what is missing, start both, create role and databases, wait
#   deploy/infra.sh down    stop both
#   deploy/infra.sh status  say what runs
# Users with a Docker engine can use docker-compose.yml instead; this script is for machines without one.
set -euo pipefail

DB_USER=${LOTSE_DB_USER:-lotse}
DB_PASSWORD=${LOTSE_DB_PASSWORD:-lotse}
DATABASES=(lotse lotse_test)

log() { echo "infra: $*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  log "installing $* (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 "$seconds"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  log "$what did not come up within ${seconds}s" >&2
  return 1
}

postgres_cluster() { pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2}'; }

postgres_up() {
  command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(postgres_cluster)" ] || apt_install postgresql
  local cluster
  cluster=$(postgres_cluster)
  if [ -z "$cluster" ]; then
    log "creating a PostgreSQL cluster"
    as_root pg_createcluster 15 main >/dev/null
    cluster="15 main"
  fi
  # shellcheck disable=SC2086
  if ! pg_lsclusters --no-header | grep -q online; then
    log "starting PostgreSQL $cluster"
    as_root pg_ctlcluster $cluster start
  fi
  wait_for 60 PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
  as_psql() { as_root su postgres -c "psql -v ON_ERROR_STOP=1 -qtA $*"; }
  if [ "$(as_psql "-c \"SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'\"")" != "1" ]; then
    log "creating role $DB_USER"
    as_psql "-c \"CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'\""
  fi
  for db in "${DATABASES[@]}"; do
    if [ "$(as_psql "-c \"SELECT 1 FROM pg_database WHERE datname = '$db'\"")" != "1" ]; then
      log "creating database $db"
      as_psql "-c \"CREATE DATABASE $db OWNER $DB_USER\""
    fi
  done
}

rabbit_running() { rabbitmq-diagnostics -q check_running; }

rabbit_up() {
  command -v rabbitmq-server >/dev/null 2>&1 || apt_install rabbitmq-server
  if ! rabbit_running >/dev/null 2>&1; then
    log "starting RabbitMQ"
    # The init script works with and without systemd; -detached is the fallback on bare containers.
    as_root service rabbitmq-server start >/dev/null 2>&1 || as_root rabbitmq-server -detached
  fi
  wait_for 120 RabbitMQ rabbit_running
  wait_for 60 "RabbitMQ's AMQP listener" rabbitmq-diagnostics -q check_port_connectivity
}

case "${1:-up}" in
  up)
    postgres_up
    rabbit_up
    log "PostgreSQL and RabbitMQ are up"
    ;;
  down)
    as_root service rabbitmq-server stop >/dev/null 2>&1 || true
    # shellcheck disable=SC2046
    as_root pg_ctlcluster $(postgres_cluster) stop 2>/dev/null || true
    log "stopped"
    ;;
  status)
    pg_lsclusters 2>/dev/null || echo "PostgreSQL: not installed"
    if rabbit_running >/dev/null 2>&1; then echo "RabbitMQ: running"; else echo "RabbitMQ: not running"; fi
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac

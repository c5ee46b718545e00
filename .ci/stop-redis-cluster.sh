#!/usr/bin/env bash
# Stops the Redis Cluster started by start-redis-cluster.sh and removes its temp dir. Safe to run when none is running.
set -uo pipefail
STATE="${CHALKNB_REDIS_CLUSTER_STATE:-${TMPDIR:-/tmp}/chalknb-test-redis-cluster.env}"
[ -f "$STATE" ] || exit 0
# shellcheck disable=SC1090
. "$STATE"
for port in ${CHALKNB_REDIS_CLUSTER_PORTS:-}; do
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
done
for port in ${CHALKNB_REDIS_CLUSTER_PORTS:-}; do
  pidfile="${CHALKNB_REDIS_CLUSTER_DIR:-}/$port/redis.pid"
  [ -f "$pidfile" ] || continue
  PID="$(cat "$pidfile")"
  for _ in $(seq 1 30); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  kill "$PID" 2>/dev/null || true
done
case "${CHALKNB_REDIS_CLUSTER_DIR:-}" in
  */chalknb-redis-cluster.*) rm -rf "$CHALKNB_REDIS_CLUSTER_DIR" ;;
esac
rm -f "$STATE"
echo "stop-redis-cluster: stopped ${CHALKNB_TEST_REDIS_CLUSTER_URL:-redis cluster}" >&2

#!/usr/bin/env bash
# Stops the redis-server started by start-redis.sh and removes its temp dir. Safe to run when none is running.
set -uo pipefail
STATE="${CHALKNB_REDIS_STATE:-${TMPDIR:-/tmp}/chalknb-test-redis.env}"
[ -f "$STATE" ] || exit 0
# shellcheck disable=SC1090
. "$STATE"
if [ -n "${CHALKNB_REDIS_PORT:-}" ]; then
  redis-cli -p "$CHALKNB_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
fi
if [ -f "${CHALKNB_REDIS_DIR:-}/redis.pid" ]; then
  PID="$(cat "$CHALKNB_REDIS_DIR/redis.pid")"
  for _ in $(seq 1 30); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  kill "$PID" 2>/dev/null || true
fi
case "${CHALKNB_REDIS_DIR:-}" in
  */chalknb-redis.*) rm -rf "$CHALKNB_REDIS_DIR" ;;
esac
rm -f "$STATE"
echo "stop-redis: stopped ${CHALKNB_TEST_REDIS_URL:-redis}" >&2

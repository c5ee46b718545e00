#!/usr/bin/env bash
# Starts a throw-away redis-server for the Redis-backend tests (issue 6): installs it from Debian if missing, runs it
# daemonized on 127.0.0.1 on a free port with its own temp dir, and prints `export CHALKNB_TEST_REDIS_URL=...`.
# Use:  eval "$(.ci/start-redis.sh)"   ...   .ci/stop-redis.sh
# (Sourcing it also works and exports the variable.) State for stop-redis.sh goes to $CHALKNB_REDIS_STATE.
set -euo pipefail
STATE="${CHALKNB_REDIS_STATE:-${TMPDIR:-/tmp}/chalknb-test-redis.env}"

if ! command -v redis-server >/dev/null 2>&1; then
  echo "start-redis: apt-get install redis-server" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi

if [ -f "$STATE" ]; then
  # A server from an earlier run that was not stopped: reuse it if it still answers.
  # shellcheck disable=SC1090
  . "$STATE"
  if [ -n "${CHALKNB_REDIS_PORT:-}" ] && redis-cli -p "$CHALKNB_REDIS_PORT" ping >/dev/null 2>&1; then
    echo "export CHALKNB_TEST_REDIS_URL=$CHALKNB_TEST_REDIS_URL"
    export CHALKNB_TEST_REDIS_URL
    return 0 2>/dev/null || exit 0
  fi
fi

DIR="$(mktemp -d "${TMPDIR:-/tmp}/chalknb-redis.XXXXXX")"
PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
# noeviction: a queue must refuse writes, never drop rows, when memory runs out. AOF: rows survive a restart.
redis-server --bind 127.0.0.1 --port "$PORT" --dir "$DIR" --daemonize yes \
  --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" \
  --save "" --appendonly yes --appendfsync everysec --maxmemory-policy noeviction >&2
for _ in $(seq 1 50); do
  redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$PORT" ping >/dev/null || { echo "start-redis: redis-server did not start; see $DIR/redis.log" >&2; exit 1; }

CHALKNB_TEST_REDIS_URL="redis://127.0.0.1:$PORT"
cat > "$STATE" <<STATE_EOF
CHALKNB_REDIS_DIR=$DIR
CHALKNB_REDIS_PORT=$PORT
CHALKNB_TEST_REDIS_URL=$CHALKNB_TEST_REDIS_URL
STATE_EOF
echo "start-redis: redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on $CHALKNB_TEST_REDIS_URL (dir $DIR)" >&2
echo "export CHALKNB_TEST_REDIS_URL=$CHALKNB_TEST_REDIS_URL"
export CHALKNB_TEST_REDIS_URL

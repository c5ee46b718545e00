#!/usr/bin/env bash
# Starts a throw-away Redis Cluster for the cluster tests of the Redis backend: 3 masters (no replicas), each a
# daemonized redis-server with --cluster-enabled yes on 127.0.0.1, on free ports (client and cluster-bus port both
# picked, so Redis >= 7.0), in one temp dir; joins them with `redis-cli --cluster create`, waits for cluster_state:ok
# and prints `export CHALKNB_TEST_REDIS_CLUSTER_URL=redis://127.0.0.1:P1,redis://127.0.0.1:P2,redis://127.0.0.1:P3`.
# Use:  eval "$(.ci/start-redis-cluster.sh)"   ...   .ci/stop-redis-cluster.sh
# (Sourcing it also works.) Installs redis-server from Debian if missing. State for the stop script goes to
# $CHALKNB_REDIS_CLUSTER_STATE. Running it again while the cluster still answers reuses it.
set -euo pipefail
STATE="${CHALKNB_REDIS_CLUSTER_STATE:-${TMPDIR:-/tmp}/chalknb-test-redis-cluster.env}"
NODES=3

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "start-redis-cluster: apt-get install redis-server" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools >/dev/null
fi

cluster_ok() { redis-cli -p "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }

if [ -f "$STATE" ]; then
  # A cluster from an earlier run that was not stopped: reuse it if every node still answers and it is healthy.
  # shellcheck disable=SC1090
  . "$STATE"
  healthy=1
  for port in ${CHALKNB_REDIS_CLUSTER_PORTS:-}; do cluster_ok "$port" || healthy=0; done
  if [ -n "${CHALKNB_REDIS_CLUSTER_PORTS:-}" ] && [ "$healthy" = 1 ]; then
    echo "export CHALKNB_TEST_REDIS_CLUSTER_URL=$CHALKNB_TEST_REDIS_CLUSTER_URL"
    export CHALKNB_TEST_REDIS_CLUSTER_URL
    return 0 2>/dev/null || exit 0
  fi
  # Half-started or dead: clear it away first.
  bash "$(dirname "${BASH_SOURCE[0]}")/stop-redis-cluster.sh" || true
fi

DIR="$(mktemp -d "${TMPDIR:-/tmp}/chalknb-redis-cluster.XXXXXX")"
# 2 × NODES distinct free ports: a client port and a cluster-bus port per node.
read -r -a FREE <<<"$(node -e '
  const net = require("net"); const n = Number(process.argv[1]); const servers = [];
  const next = () => { if (servers.length === n) { console.log(servers.map((s) => s.address().port).join(" ")); servers.forEach((s) => s.close()); return; }
    const s = net.createServer().listen(0, "127.0.0.1", () => { servers.push(s); next(); }); };
  next();' $((2 * NODES)))"
PORTS=()
for i in $(seq 0 $((NODES - 1))); do
  port="${FREE[$i]}"; bus="${FREE[$((i + NODES))]}"
  PORTS+=("$port")
  mkdir -p "$DIR/$port"
  # noeviction and AOF as in production (see docs/deployment.md); each node its own dir, nodes.conf and pidfile.
  redis-server --bind 127.0.0.1 --port "$port" --cluster-enabled yes --cluster-port "$bus" \
    --cluster-config-file "$DIR/$port/nodes.conf" --cluster-node-timeout 5000 --dir "$DIR/$port" --daemonize yes \
    --pidfile "$DIR/$port/redis.pid" --logfile "$DIR/$port/redis.log" \
    --save "" --appendonly yes --appendfsync everysec --maxmemory-policy noeviction >&2
done
# Written now, so the stop script cleans up even if joining fails below.
CHALKNB_TEST_REDIS_CLUSTER_URL="$(printf 'redis://127.0.0.1:%s,' "${PORTS[@]}")"
CHALKNB_TEST_REDIS_CLUSTER_URL="${CHALKNB_TEST_REDIS_CLUSTER_URL%,}"
cat > "$STATE" <<STATE_EOF
CHALKNB_REDIS_CLUSTER_DIR=$DIR
CHALKNB_REDIS_CLUSTER_PORTS="${PORTS[*]}"
CHALKNB_TEST_REDIS_CLUSTER_URL=$CHALKNB_TEST_REDIS_CLUSTER_URL
STATE_EOF

for port in "${PORTS[@]}"; do
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -p "$port" ping >/dev/null || { echo "start-redis-cluster: redis-server on $port did not start; see $DIR/$port/redis.log" >&2; exit 1; }
done

redis-cli --cluster create $(printf '127.0.0.1:%s ' "${PORTS[@]}") --cluster-replicas 0 --cluster-yes >"$DIR/create.log" 2>&1 \
  || { echo "start-redis-cluster: redis-cli --cluster create failed:" >&2; cat "$DIR/create.log" >&2; exit 1; }
for _ in $(seq 1 100); do
  ok=1
  for port in "${PORTS[@]}"; do cluster_ok "$port" || ok=0; done
  [ "$ok" = 1 ] && break
  sleep 0.1
done
for port in "${PORTS[@]}"; do
  cluster_ok "$port" || { echo "start-redis-cluster: node $port is not cluster_state:ok; see $DIR/$port/redis.log" >&2; exit 1; }
done

echo "start-redis-cluster: $NODES masters (redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')) on $CHALKNB_TEST_REDIS_CLUSTER_URL (dir $DIR)" >&2
echo "export CHALKNB_TEST_REDIS_CLUSTER_URL=$CHALKNB_TEST_REDIS_CLUSTER_URL"
export CHALKNB_TEST_REDIS_CLUSTER_URL

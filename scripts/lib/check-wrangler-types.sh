#!/usr/bin/env bash
# `wrangler types --check` only compares a Worker's PRIMARY config, so a binding change in another
# Worker would pass unnoticed. Instead regenerate each app's types with its own `types` script (the
# same configs it was generated with) and compare with what is checked in; the file is restored.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
for app in aggregator precompute api ops-example; do
  file="apps/$app/worker-configuration.d.ts"
  cp "$file" "$tmp/$app.checked-in.d.ts"
  (cd "apps/$app" && pnpm run --silent types >/dev/null)
  if ! diff -q "$tmp/$app.checked-in.d.ts" "$file" >/dev/null; then
    echo "$file is out of date: run \`pnpm types\` and commit it" >&2
    diff "$tmp/$app.checked-in.d.ts" "$file" | head -20 >&2 || true
    status=1
  fi
  cp "$tmp/$app.checked-in.d.ts" "$file"
done
exit $status

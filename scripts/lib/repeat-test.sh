#!/usr/bin/env bash
# Runs `.ci/run` N times in a row (default 10) on a fresh clone of this repo's HEAD, and makes
# sure one run starts within the last 3 minutes of an hour (waiting for minute 57 once, when a
# run would otherwise skip past it): the check that the suite depends on neither order nor the
# minute or hour it starts. Prints one line per run and exits non-zero if any run failed.
#
#   bash scripts/lib/repeat-test.sh [N]
set -u
runs="${1:-10}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
clone="$(mktemp -d "${TMPDIR:-/tmp}/openvine-repeat-XXXXXX")"
git clone -q "$repo" "$clone" || exit 1
# Reuse the bootstrapped Node and pnpm, if any.
[ -d "$repo/.tools" ] && ln -s "$repo/.tools" "$clone/.tools"
echo "clone of $(git -C "$clone" log --oneline -1) in $clone" >&2

in_window() { [ "$(date -u +%-M)" -ge 57 ]; }
window_run=0
failed=0
for i in $(seq 1 "$runs"); do
  minute=$(date -u +%-M)
  # A run takes about 2-6 minutes: from minute 51 on, the next start could miss the window; and
  # the last run waits for it whatever the minute, so that a fast loop cannot end without one.
  if [ "$window_run" = 0 ] && [ "$minute" -lt 57 ] && { [ "$minute" -ge 51 ] || [ "$i" = "$runs" ]; }; then
    wait_s=$(( (57 - minute) * 60 - $(date -u +%-S) + 5 ))
    echo "waiting ${wait_s}s so that run $i starts in the last 3 minutes of the hour" >&2
    sleep "$wait_s"
  fi
  in_window && window_run=$i
  started=$(date -u +%H:%M:%S)
  log="$clone/repeat-run-$i.log"
  (cd "$clone" && bash .ci/run) >"$log" 2>&1
  rc=$?
  [ "$rc" -ne 0 ] && failed=$((failed + 1))
  echo "run $i: started $started, ended $(date -u +%H:%M:%S), exit $rc: $(tail -1 "$log")"
done
if [ "$window_run" = 0 ]; then
  echo "no run started in the last 3 minutes of an hour" >&2
  failed=$((failed + 1))
else
  echo "run $window_run started in the last 3 minutes of an hour"
fi
echo "logs: $clone/repeat-run-*.log"
exit $((failed > 0))

#!/bin/sh
# run.sh - a bounded libFuzzer run of one target: new inputs go to a scratch directory, never
# into the committed corpus. Usage: run.sh FUZZER CORPUS_DIR SECONDS
set -eu
fuzzer=$1 corpus=$2 seconds=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/redisfs-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
# -timeout: one input taking a second is a hang; -rss_limit_mb: a leak that grows is a failure
"$fuzzer" -max_total_time="$seconds" -timeout=1 -rss_limit_mb=1024 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work" "$corpus" || {
  status=$?
  for f in "$work"/crash-* "$work"/timeout-* "$work"/leak-* "$work"/oom-*; do
    [ -e "$f" ] && { echo "reproducer $f:"; od -c "$f" | head -20; }
  done
  exit $status
}

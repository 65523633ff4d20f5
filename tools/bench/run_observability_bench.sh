#!/usr/bin/env bash
# What metrics and per-call log lines cost Decide: for each configuration a
# fresh refund-server (shipped policies, a fresh temporary SQLite file) on
# core 0 and refund-bench (closed loop) on core 1; Decide calls/s and the
# server's CPU time per call (user + system from /proc over the measured
# seconds). Configurations:
#   off        --log_level=warn (no call lines), no metrics
#   metrics    --log_level=warn --metrics_listen=127.0.0.1:0
#   log        --log_level=info (a line per call), no metrics
#   both       --log_level=info --metrics_listen=127.0.0.1:0
# Log lines go to a file (--log_file) on the temporary directory. Rounds
# alternate the order (odd: as listed, even: reversed), so that a machine
# getting busier or quieter does not favour one configuration.
# Usage: tools/bench/run_observability_bench.sh [BUILD_DIR] [SECONDS]
#        [CONCURRENCY] [ROUNDS] (defaults: build, 10, 512, 2). Run from the
# repository root.
set -euo pipefail

build=${1:-build}
seconds=${2:-10}
concurrency=${3:-512}
rounds=${4:-2}
warmup=3
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

server_core=() bench_core=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_core=(taskset -c 0)
  bench_core=(taskset -c 1)
fi

cpu_us() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1000000 / hz }' \
    "/proc/$1/stat"
}
result() { grep '^RESULT' "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }

run() {  # LABEL ROUND
  local label=$1 round=$2 server_flags=()
  case $label in
    off) server_flags=(--log_level=warn) ;;
    metrics) server_flags=(--log_level=warn --metrics_listen=127.0.0.1:0) ;;
    log) server_flags=(--log_level=info) ;;
    both) server_flags=(--log_level=info --metrics_listen=127.0.0.1:0) ;;
  esac
  mkfifo "$work/$label-$round.fifo"
  "${server_core[@]}" "$build/bin/refund-server" --listen=127.0.0.1:0 \
    --policies=policies --db="$work/$label-$round.db" \
    --log_file="$work/$label-$round.log" "${server_flags[@]}" \
    >"$work/$label-$round.fifo" 2>"$work/$label-$round.err" &
  server_pid=$!
  local listening address before after calls
  exec 3<"$work/$label-$round.fifo"
  read -r listening <&3
  address=$(echo "$listening" | sed -n 's/.*listening on \([^ ]*\).*/\1/p')
  "${bench_core[@]}" "$build/tools/bench/refund-bench" --address="$address" \
    --concurrency="$concurrency" \
    --duration="$((seconds + warmup))s" --warmup="${warmup}s" \
    >"$work/$label-$round.txt" &
  local bench_pid=$!
  sleep "$warmup"
  before=$(cpu_us "$server_pid")
  sleep "$seconds"
  after=$(cpu_us "$server_pid")
  wait "$bench_pid" || true
  calls=$(result "$work/$label-$round.txt" calls)
  printf '%-8s round %d: %s\n' "$label" "$round" "$(
    awk -v a="$after" -v b="$before" -v c="$calls" \
      -v q="$(result "$work/$label-$round.txt" qps)" \
      -v e="$(result "$work/$label-$round.txt" errors)" \
      -v p50="$(result "$work/$label-$round.txt" p50_us)" \
      -v p99="$(result "$work/$label-$round.txt" p99_us)" \
      -v lines="$(wc -l <"$work/$label-$round.log")" \
      'BEGIN { printf "%d calls/s, server CPU %.1f us/call, p50 %s us, p99 %s us, errors %d, log lines %d",
               q, (a - b) / c, p50, p99, e, lines }')"
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=
  exec 3<&-
}

echo "== closed loop, $concurrency in flight, ${seconds} s after a ${warmup} s warm-up"
for round in $(seq 1 "$rounds"); do
  order=(off metrics log both)
  if ((round % 2 == 0)); then order=(both log metrics off); fi
  for label in "${order[@]}"; do run "$label" "$round"; done
done

#!/usr/bin/env bash
# One-shot server benchmark: starts refund-echo-server and refund-server
# (shipped policies, a fresh temporary SQLite file) on one core, refund-bench
# on the other (taskset when there are two cores or more), and reports:
#   1. the echo service's closed-loop throughput,
#   2. the refund service's closed-loop throughput (durable Decide) and the
#      ratio to 1,
#   3. the refund service's latency in an open loop at half of 2,
#   4. refund-server's start-up time (spawn to its "listening" line) and
#      RSS: idle after start, after the runs, and after a rest,
#   5. each server's CPU time per call in a closed loop (user + system, from
#      /proc): what the throughput ratio is made of, and far less disturbed
#      by other work on the machine than calls per second.
# Usage: tools/bench/run_server_bench.sh [BUILD_DIR] [SECONDS] [CONCURRENCY]
# (defaults: build, 15, 512). Run from the repository root.
set -euo pipefail

build=${1:-build}
seconds=${2:-15}
concurrency=${3:-512}
warmup=3
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

server_core=() bench_core=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_core=(taskset -c 0)
  bench_core=(taskset -c 1)
fi

now_ms() { date +%s%3N; }
# User + system CPU time of a process, in microseconds.
cpu_us() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1000000 / hz }' \
    "/proc/$1/stat"
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# Waits for "<name> listening on HOST:PORT" in $1; prints HOST:PORT.
wait_listening() {
  for _ in $(seq 1 600); do
    if grep -q "listening on" "$1" 2>/dev/null; then
      sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$1" | head -1
      return 0
    fi
    sleep 0.01
  done
  echo "server did not start: $(cat "$1")" >&2
  return 1
}
result() { grep '^RESULT' "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }

"${server_core[@]}" "$build/tools/bench/refund-echo-server" \
  --listen=127.0.0.1:0 >"$work/echo.out" 2>&1 &
pids+=($!)
echo_address=$(wait_listening "$work/echo.out")

# The start-up time: from spawning to reading the "listening" line from a
# pipe (no polling).
mkfifo "$work/refund.fifo"
start=$(now_ms)
"${server_core[@]}" "$build/bin/refund-server" --listen=127.0.0.1:0 \
  --policies=policies --db="$work/decisions.db" >"$work/refund.fifo" \
  2>"$work/refund.err" &
refund_pid=$!
pids+=($refund_pid)
exec 3<"$work/refund.fifo"
read -r listening <&3
startup_ms=$(($(now_ms) - start))
refund_address=$(echo "$listening" | sed -n 's/.*listening on \([^ ]*\).*/\1/p')
sleep 1
rss_idle=$(rss_kb "$refund_pid")

bench() {
  "${bench_core[@]}" "$build/tools/bench/refund-bench" --warmup=${warmup}s \
    --duration=$((seconds + warmup))s "$@"
}

echo_pid=${pids[0]}
echo "== echo, closed loop ($concurrency in flight)"
bench --target=echo --address="$echo_address" \
  --concurrency="$concurrency" | tee "$work/echo.txt"
echo "== refund (durable Decide), closed loop ($concurrency in flight)"
bench --target=refund --address="$refund_address" \
  --concurrency="$concurrency" | tee "$work/refund.txt"
echo_qps=$(result "$work/echo.txt" qps)
refund_qps=$(result "$work/refund.txt" qps)
half=$((refund_qps / 2))
echo "== refund, open loop at $half calls/s (half of its closed-loop rate)"
bench --target=refund --address="$refund_address" --rate="$half" |
  tee "$work/open.txt"
rss_after=$(rss_kb "$refund_pid")
sleep 5
rss_rest=$(rss_kb "$refund_pid")

# Server CPU per call: a closed loop counted from its first call.
cpu_per_call() {  # PID TARGET ADDRESS
  local before after calls
  before=$(cpu_us "$1")
  "${bench_core[@]}" "$build/tools/bench/refund-bench" --warmup=0s \
    --duration="${seconds}s" --target="$2" --address="$3" \
    --concurrency="$concurrency" >"$work/cpu-$2.txt"
  after=$(cpu_us "$1")
  calls=$(result "$work/cpu-$2.txt" calls)
  awk -v a="$after" -v b="$before" -v c="$calls" \
    'BEGIN { printf "%.1f\n", (a - b) / c }'
}
echo "== server CPU per call, closed loop ($concurrency in flight)"
echo_cpu=$(cpu_per_call "$echo_pid" echo "$echo_address")
refund_cpu=$(cpu_per_call "$refund_pid" refund "$refund_address")

echo "== summary"
awk -v e="$echo_qps" -v r="$refund_qps" 'BEGIN {
  printf "echo %d calls/s, refund %d calls/s: ratio %.2f\n", e, r, r / e }'
echo "refund open loop at $half/s: p50 $(result "$work/open.txt" p50_us) us," \
  "p99 $(result "$work/open.txt" p99_us) us," \
  "p99.9 $(result "$work/open.txt" p999_us) us," \
  "errors $(result "$work/open.txt" errors)"
awk -v e="$echo_cpu" -v r="$refund_cpu" 'BEGIN {
  printf "server CPU per call: echo %.1f us, refund %.1f us: ratio %.2f\n",
    e, r, e / r }'
echo "refund-server start-up to listening: ${startup_ms} ms"
echo "refund-server RSS: idle ${rss_idle} kB, after the runs ${rss_after} kB," \
  "idle 5 s later ${rss_rest} kB"

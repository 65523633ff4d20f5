#!/usr/bin/env bash
# What encryption at rest costs Decide: refund-server (shipped policies, a
# fresh SQLite file each run) on core 0, plain and with --log_key_file
# alternately, refund-bench on core 1: per run a closed loop (calls/s, after
# a warm-up) and the server's CPU time per call (user + system from /proc
# over the same loop).
# Usage: tools/bench/run_encryption_bench.sh [BUILD_DIR] [SECONDS] [ROUNDS]
# (defaults: build, 10, 2). Run from the repository root.
set -euo pipefail

build=${1:-build}
seconds=${2:-10}
rounds=${3:-2}
concurrency=512
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
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

(umask 077; echo "bench $(openssl rand -hex 32)" >"$work/log.keys")

run() {  # LABEL [SERVER FLAGS...]
  local label=$1; shift
  rm -f "$work"/decisions.db*
  "${server_core[@]}" "$build/bin/refund-server" --listen=127.0.0.1:0 \
    --policies=policies --db="$work/decisions.db" "$@" >"$work/out" \
    2>"$work/err" &
  server_pid=$!
  for _ in $(seq 1 600); do
    grep -q "listening on" "$work/out" 2>/dev/null && break
    sleep 0.01
  done
  local address
  address=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$work/out")
  # Warm-up, then the measured loop.
  "${bench_core[@]}" "$build/tools/bench/refund-bench" --warmup=0s \
    --duration=3s --target=refund --address="$address" \
    --concurrency="$concurrency" >/dev/null
  local before after
  before=$(cpu_us "$server_pid")
  "${bench_core[@]}" "$build/tools/bench/refund-bench" --warmup=0s \
    --duration="${seconds}s" --target=refund --address="$address" \
    --concurrency="$concurrency" >"$work/bench.txt"
  after=$(cpu_us "$server_pid")
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=
  awk -v l="$label" -v q="$(result "$work/bench.txt" qps)" \
    -v e="$(result "$work/bench.txt" errors)" \
    -v c="$(result "$work/bench.txt" calls)" -v a="$after" -v b="$before" \
    'BEGIN { printf "%-9s %6d calls/s  server CPU %.1f us/call  errors %s\n",
             l, q, (a - b) / c, e }'
}

for _ in $(seq 1 "$rounds"); do
  run plain
  run encrypted --log_key_file="$work/log.keys"
done

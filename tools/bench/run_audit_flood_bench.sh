#!/usr/bin/env bash
# Decide's latency while audit calls flood the server (issue 20, findings 2
# and 4): refund-server on core 0 over an existing decision log DB, then
# refund-bench on core 1: 20 s of Decide at 1,000/s alone, then 30 s at
# 1,000/s with 16 threads calling VerifyDecisionLog back to back and 100
# Replay streams read one result a second; the server's RSS at start, during
# the flood and after it. Fill DB first (e.g. refund-bench --concurrency=128
# --duration=25s against a server on it).
# Usage: tools/bench/run_audit_flood_bench.sh BINARY DB LABEL
# Run from the repository root, with build/ built.
set -u
bin=$1; db=$2; label=$3
B=build/tools/bench/refund-bench
log_dir=$(mktemp -d)
taskset -c 0 $bin --listen=127.0.0.1:50072 --db=$db --policies=policies > "$log_dir/server.log" 2>&1 &
pid=$!
sleep 3
echo "== $label rss_start_kb=$(ps -o rss= -p $pid)"
taskset -c 1 $B --address=127.0.0.1:50072 --duration=20s --rate=1000 2>&1 | grep RESULT | sed "s/^/$label baseline /"
taskset -c 1 $B --address=127.0.0.1:50072 --duration=30s --rate=1000 --flood_verifies=16 --flood_slow_replays=100 2>&1 | grep -E "RESULT|FLOOD|max" | sed "s/^/$label flood /" &
bpid=$!
sleep 25
echo "$label rss_during_flood_kb=$(ps -o rss= -p $pid)"
wait $bpid
sleep 5
echo "$label rss_after_flood_kb=$(ps -o rss= -p $pid)"
kill -TERM $pid; wait $pid
rm -rf "$log_dir"

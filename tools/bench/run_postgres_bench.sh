#!/usr/bin/env bash
# Decide through refund-server on each decision log store, in one run:
#   sqlite      one refund-server on a fresh SQLite file (--db),
#   postgres    one refund-server on a fresh PostgreSQL database (--log),
#   postgres-x2 two refund-servers on one fresh PostgreSQL database, with
#               refund-bench balancing over both (an address list: round_robin).
# PostgreSQL is a throwaway cluster made by tools/pg_dev_cluster.sh in a new
# directory under /tmp (default settings: fsync, synchronous_commit and
# full_page_writes on), reached over TCP on 127.0.0.1 as a replica on another
# machine would be, and stopped and removed at exit.
#
# The server side (the refund-server replicas and every PostgreSQL process)
# runs on core 0 and refund-bench on core 1 (taskset, when there are two cores
# or more): each store gets the same one core for everything it does, and the
# load generator's own CPU does not land on it. refund-bench runs a closed
# loop after a 3 s warm-up, counted from the end of the warm-up. CPU per call
# is user + system time from /proc over the counted interval: each replica's,
# and the cluster's (the postmaster with the children it has reaped, plus its
# live children: backends, walwriter, checkpointer, autovacuum...), divided
# by the calls of that interval (refund-bench's calls per second times its
# length; refund-bench runs 1 s longer, so that it is still running at the
# interval's end). Also printed: after each PostgreSQL configuration, the CPU
# of the CHECKPOINT that writes the pages the run dirtied, per stored
# decision (SQLite's WAL checkpoints run on the server's own thread during
# the run, so they are in its figure), and the decisions per transaction;
# for every run, the CPU other processes of the machine used meanwhile (in %
# of one core; more than a few % means the figures are disturbed).
#
# Usage: tools/bench/run_postgres_bench.sh [BUILD_DIR] [SECONDS] [CONCURRENCY]
#        [ROUNDS] (defaults: build, 10, 512, 1; each round runs the three
# configurations, even rounds in reverse order). Run from the repository
# root. Needs postgresql-15 (tools/setup.sh installs it).
set -euo pipefail

build=${1:-build}
seconds=${2:-10}
concurrency=${3:-512}
rounds=${4:-1}
warmup=3
for program in "$build/bin/refund-server" "$build/tools/bench/refund-bench"; do
  [ -x "$program" ] || { echo "no $program: build it first" >&2; exit 1; }
done

work=$(mktemp -d)
# The cluster's directory: made by pg_dev_cluster.sh (for the postgres user)
# in a new directory under /tmp that user can reach (mktemp makes it 0700,
# and a private TMPDIR would not do either).
pg_parent=$(mktemp -d /tmp/refund-pgbench-XXXXXX)
chmod 755 "$pg_parent"
pg=$pg_parent/cluster
server_pids=()
bench_pid=
cluster_started=
cleanup() {
  for pid in "${server_pids[@]}" $bench_pid; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ -n "$cluster_started" ]; then
    tools/pg_dev_cluster.sh stop "$pg" >/dev/null 2>&1 || true
  fi
  rm -rf "$work" "$pg_parent"
}
trap cleanup EXIT

server_core=() bench_core=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_core=(taskset -c 0)
  bench_core=(taskset -c 1)
fi

bindir=${REFUND_PG_BINDIR:-}
if [ -z "$bindir" ]; then
  bindir=/usr/lib/postgresql/15/bin
  if command -v pg_config >/dev/null; then bindir=$(pg_config --bindir); fi
fi

# A TCP port nothing listens on.
port=
for _ in $(seq 1 100); do
  candidate=$((20000 + RANDOM % 30000))
  if [ -z "$(ss -Htln "sport = :$candidate")" ]; then
    port=$candidate
    break
  fi
done
[ -n "$port" ] || { echo "no free port found" >&2; exit 1; }

# Started under taskset: every process of the cluster inherits core 0.
cluster_started=yes
"${server_core[@]}" tools/pg_dev_cluster.sh start "$pg" "$port" >/dev/null
psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$pg" -p "$port" -U postgres)
postmaster=$(head -n 1 "$pg/data/postmaster.pid")
# Its background processes (checkpointer, walwriter, ...), not backends.
background=$(pgrep -c -P "$postmaster")

hz=$(getconf CLK_TCK)
# User + system CPU time of processes, in microseconds (the fields after the
# command name, which is in parentheses; 14 and 15 of proc(5) are $12 and
# $13 here).
cpu_us() {
  local pid
  for pid in "$@"; do cat "/proc/$pid/stat"; done |
    sed 's/^.*) //' |
    awk -v hz="$hz" '{ s += $12 + $13 } END { printf "%.0f\n", s * 1000000 / hz }'
}
# The cluster's: the postmaster's own, that of the children it has reaped
# (cutime + cstime) and that of its live children. A child that exits in
# the interval is counted in its parent's cutime at the end.
pg_cpu_us() {
  {
    sed 's/^.*) //' "/proc/$postmaster/stat" | awk '{ print $12 + $13 + $14 + $15 }'
    for pid in $(pgrep -P "$postmaster"); do
      sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }' || true
    done
  } | awk -v hz="$hz" '{ s += $1 } END { printf "%.0f\n", s * 1000000 / hz }'
}
# CPU time all processes of the machine spent (user, nice, system, irq,
# softirq; /proc/stat), in microseconds: what is not ours in it shows a run
# disturbed by other work.
machine_cpu_us() {
  awk -v hz="$hz" '$1 == "cpu" { printf "%.0f\n", ($2 + $3 + $4 + $7 + $8) * 1000000 / hz }' /proc/stat
}
result() { grep '^RESULT' "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }

# Starts a refund-server with FLAGS on core 0, waits until it listens, and
# adds its address to `addresses` (not in a subshell: server_pids must see
# it).
start_server() {  # NAME FLAGS...
  local name=$1
  shift
  "${server_core[@]}" "$build/bin/refund-server" --listen=127.0.0.1:0 \
    --policies=policies "$@" >"$work/$name.out" 2>"$work/$name.err" &
  server_pids+=($!)
  local pid=$! address=
  for _ in $(seq 1 600); do
    address=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$work/$name.out")
    [ -n "$address" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "refund-server $name did not start:" >&2
      cat "$work/$name.err" >&2
      exit 1
    fi
    sleep 0.1
  done
  [ -n "$address" ] || { echo "refund-server $name did not listen" >&2; exit 1; }
  addresses+=("$address")
}

declare -A qps cpu checkpoint
addresses=()
run() {  # CONFIG ROUND
  local config=$1 round=$2 replicas=1 flags=() i
  local name=$config-$round
  case $config in
    sqlite) flags=(--db="$work/$name.db") ;;
    postgres | postgres-x2)
      local db=bench_${config//-/_}_$round
      "${psql[@]}" -d postgres -c "CREATE DATABASE $db"
      flags=(--log="postgresql://postgres@127.0.0.1:$port/$db")
      [ "$config" = postgres-x2 ] && replicas=2 ;;
  esac
  addresses=()
  for i in $(seq 1 "$replicas"); do start_server "$name-$i" "${flags[@]}"; done
  local address
  address=$(IFS=,; echo "${addresses[*]}")
  "${bench_core[@]}" "$build/tools/bench/refund-bench" --address="$address" \
    --concurrency="$concurrency" --duration="$((seconds + warmup + 1))s" \
    --warmup="${warmup}s" >"$work/$name.txt" &
  bench_pid=$!
  sleep "$warmup"
  local server_before pg_before server_after pg_after
  local bench_before bench_after machine_before machine_after
  machine_before=$(machine_cpu_us)
  bench_before=$(cpu_us "$bench_pid")
  server_before=$(cpu_us "${server_pids[@]}")
  pg_before=$(pg_cpu_us)
  sleep "$seconds"
  machine_after=$(machine_cpu_us)
  bench_after=$(cpu_us "$bench_pid")
  server_after=$(cpu_us "${server_pids[@]}")
  pg_after=$(pg_cpu_us)
  wait "$bench_pid" || true
  bench_pid=
  local calls
  calls=$(awk -v q="$(result "$work/$name.txt" qps)" -v t="$seconds" \
    'BEGIN { printf "%d", q * t }')
  # Everything else the machine ran meanwhile, in % of one core.
  local other
  other=$(awk -v m=$((machine_after - machine_before)) \
    -v b=$((bench_after - bench_before)) -v s=$((server_after - server_before)) \
    -v p=$((pg_after - pg_before)) -v t="$seconds" \
    'BEGIN { o = (m - b - s - p) / (t * 10000); printf "%.0f", o < 0 ? 0 : o }')
  # Only the PostgreSQL configurations use the cluster; for SQLite its
  # (idle) CPU is shown but not added.
  local pg_used=1
  [ "$config" = sqlite ] && pg_used=0
  printf '%-11s round %d: %s\n' "$config" "$round" "$(
    awk -v sa="$server_after" -v sb="$server_before" -v pa="$pg_after" \
      -v pb="$pg_before" -v c="$calls" -v used="$pg_used" \
      -v q="$(result "$work/$name.txt" qps)" \
      -v e="$(result "$work/$name.txt" errors)" \
      -v p50="$(result "$work/$name.txt" p50_us)" \
      -v p99="$(result "$work/$name.txt" p99_us)" -v other="$other" \
      'BEGIN { s = (sa - sb) / c; p = (pa - pb) / c;
               printf "%d Decide/s, p50 %s us, p99 %s us, errors %d; CPU per call: replicas %.1f us + postgres %.1f us%s = %.1f us; other processes %d%% of a core",
               q, p50, p99, e, s, p, used ? "" : " (idle, not counted)", s + p * used, other }')"
  qps[$config,$round]=$(result "$work/$name.txt" qps)
  cpu[$config,$round]=$(awk -v sa="$server_after" -v sb="$server_before" \
    -v pa="$pg_after" -v pb="$pg_before" -v c="$calls" -v used="$pg_used" \
    'BEGIN { printf "%.3f", ((sa - sb) + used * (pa - pb)) / c }')
  for pid in "${server_pids[@]}"; do kill -TERM "$pid"; done
  for pid in "${server_pids[@]}"; do wait "$pid" || true; done
  server_pids=()
  if ((pg_used)); then
    # The replicas' backends exit after them; until they are reaped by the
    # postmaster their time is in neither place pg_cpu_us reads.
    for _ in $(seq 1 100); do
      (($(pgrep -c -P "$postmaster") <= background)) && break
      sleep 0.1
    done
    # What the run left for later: the checkpoint that writes the pages it
    # dirtied (SQLite's counterpart, the server's WAL checkpoints, runs
    # during the run and is counted). Then the database goes, so that
    # nothing of it (autovacuum, a timed checkpoint) runs in the next
    # configuration's interval.
    local before_checkpoint after_checkpoint rows commits
    before_checkpoint=$(pg_cpu_us)
    "${psql[@]}" -d postgres -c CHECKPOINT
    after_checkpoint=$(pg_cpu_us)
    rows=$("${psql[@]}" -d "$db" -tAc "SELECT count(*) FROM decisions")
    # Transactions committed in the database: nearly all of them the
    # writers' batches (a few are the replicas' start-up and reads).
    commits=$("${psql[@]}" -d "$db" -tAc \
      "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    "${psql[@]}" -d postgres -c "DROP DATABASE $db"
    "${psql[@]}" -d postgres -c CHECKPOINT
    checkpoint[$config,$round]=$(awk -v a="$after_checkpoint" \
      -v b="$before_checkpoint" -v r="$rows" 'BEGIN { printf "%.1f", (a - b) / r }')
    printf '%-11s round %d: + the checkpoint afterwards: %s us per stored decision (%d stored, %d per transaction)\n' \
      "$config" "$round" "${checkpoint[$config,$round]}" "$rows" $((rows / commits))
  fi
}

pinning="server side on core 0, refund-bench on core 1"
((${#server_core[@]})) || pinning="not pinned (taskset missing or one core)"
echo "== closed loop, $concurrency in flight over 4 connections, ${seconds} s after a ${warmup} s warm-up; $pinning"
for round in $(seq 1 "$rounds"); do
  order=(sqlite postgres postgres-x2)
  if ((round % 2 == 0)); then order=(postgres-x2 postgres sqlite); fi
  for config in "${order[@]}"; do run "$config" "$round"; done
done
echo "== against SQLite, round by round (targets: postgres Decide/s >= 0.50, CPU per call <= 1.5x)"
for round in $(seq 1 "$rounds"); do
  for config in postgres postgres-x2; do
    awk -v c="$config" -v r="$round" -v q="${qps[$config,$round]}" \
      -v q0="${qps[sqlite,$round]}" -v u="${cpu[$config,$round]}" \
      -v u0="${cpu[sqlite,$round]}" -v k="${checkpoint[$config,$round]}" \
      'BEGIN { printf "%-11s round %d: Decide/s %.2f of SQLite, CPU per call %.2fx SQLite (%.2fx with the checkpoint afterwards)\n",
               c, r, q / q0, u / u0, (u + k) / u0 }'
  done
done

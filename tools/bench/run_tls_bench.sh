#!/usr/bin/env bash
# Decide through refund-server over plaintext, TLS, mutual TLS, and mutual
# TLS with an access policy (the client an OMS principal of five shops, among
# them the two that refund-bench's requests name), in one run (issue "Secure by default"):
# makes a CA, a server certificate for 127.0.0.1
# and a client certificate with openssl (the README's commands), then for
# each transport in turn starts refund-server (shipped policies, a fresh
# temporary SQLite file) on core 0 and runs refund-bench on core 1: a closed
# loop after a 3 s warm-up, counted from the end of the warm-up, and the
# server's CPU time per call over that loop (user + system from /proc).
# Usage: tools/bench/run_tls_bench.sh [BUILD_DIR] [SECONDS] [CONCURRENCY]
#        [ROUNDS] (defaults: build, 10, 512, 1; each round runs the four
# transports, even rounds in reverse order). Run from the repository root.
set -euo pipefail

build=${1:-build}
seconds=${2:-10}
concurrency=${3:-512}
rounds=${4:-1}
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

pki=$work/pki
mkdir -p "$pki"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -noenc)
openssl req -x509 -new "${ec[@]}" -keyout "$pki/ca.key" -out "$pki/ca.crt" \
  -days 1 -subj "/CN=bench CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
issue() {  # NAME SUBJECT EXTENSIONS...
  local name=$1 subject=$2
  shift 2
  printf '%s\n' "$@" >"$pki/$name.ext"
  openssl req -new "${ec[@]}" -keyout "$pki/$name.key" -out "$pki/$name.csr" \
    -subj "$subject" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" \
    -CAkey "$pki/ca.key" -CAcreateserial -days 1 -sha256 \
    -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
}
issue server /CN=localhost "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  "extendedKeyUsage=serverAuth"
issue client /CN=bench "subjectAltName=URI:spiffe://refund.test/bench" \
  "extendedKeyUsage=clientAuth"

cat >"$work/access.textproto" <<'POLICY'
principals {
  name: "bench-oms"
  roles: ROLE_OMS
  shops: ["shop-001", "shop-002", "shop-003", "shop-004", "s1"]
  certificate { uri_san: "spiffe://refund.test/bench" }
}
POLICY

cpu_us() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1000000 / hz }' \
    "/proc/$1/stat"
}
result() { grep '^RESULT' "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }

run() {  # LABEL ROUND
  local label=$1 round=$2 server_flags=() client_flags=()
  case $label in
    plaintext) ;;
    tls)
      server_flags=(--tls_cert="$pki/server.crt" --tls_key="$pki/server.key")
      client_flags=(--tls_ca="$pki/ca.crt") ;;
    mtls)
      server_flags=(--tls_cert="$pki/server.crt" --tls_key="$pki/server.key"
                    --tls_client_ca="$pki/ca.crt")
      client_flags=(--tls_ca="$pki/ca.crt" --tls_cert="$pki/client.crt"
                    --tls_key="$pki/client.key") ;;
    mtls+authz)
      server_flags=(--tls_cert="$pki/server.crt" --tls_key="$pki/server.key"
                    --tls_client_ca="$pki/ca.crt"
                    --access_policy="$work/access.textproto")
      client_flags=(--tls_ca="$pki/ca.crt" --tls_cert="$pki/client.crt"
                    --tls_key="$pki/client.key") ;;
  esac
  mkfifo "$work/$label-$round.fifo"
  "${server_core[@]}" "$build/bin/refund-server" --listen=127.0.0.1:0 \
    --policies=policies --db="$work/$label-$round.db" "${server_flags[@]}" \
    >"$work/$label-$round.fifo" 2>"$work/$label-$round.err" &
  server_pid=$!
  local listening address before after calls
  exec 3<"$work/$label-$round.fifo"
  read -r listening <&3
  address=$(echo "$listening" | sed -n 's/.*listening on \([^ ]*\).*/\1/p')
  "${bench_core[@]}" "$build/tools/bench/refund-bench" --address="$address" \
    "${client_flags[@]}" --concurrency="$concurrency" \
    --duration="$((seconds + warmup))s" --warmup="${warmup}s" \
    >"$work/$label-$round.txt" &
  local bench_pid=$!
  sleep "$warmup"
  before=$(cpu_us "$server_pid")
  sleep "$seconds"
  after=$(cpu_us "$server_pid")
  wait "$bench_pid" || true
  calls=$(result "$work/$label-$round.txt" calls)
  printf '%-10s round %d: %s\n' "$label" "$round" "$(
    awk -v a="$after" -v b="$before" -v c="$calls" \
      -v q="$(result "$work/$label-$round.txt" qps)" \
      -v e="$(result "$work/$label-$round.txt" errors)" \
      -v p50="$(result "$work/$label-$round.txt" p50_us)" \
      -v p99="$(result "$work/$label-$round.txt" p99_us)" \
      -v t="$(echo "$listening" | sed -n 's/.* tls=\([^ ]*\).*/\1/p')" \
      'BEGIN { printf "%d calls/s, server CPU %.1f us/call, p50 %s us, p99 %s us, errors %d (tls=%s)",
               q, (a - b) / c, p50, p99, e, t }')"
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=
  exec 3<&-
}

echo "== closed loop, $concurrency in flight over 4 connections, ${seconds} s after a ${warmup} s warm-up"
for round in $(seq 1 "$rounds"); do
  # Even rounds run in the reverse order: a load that grows or falls during
  # the run does not favour one transport.
  order=(plaintext tls mtls mtls+authz)
  if ((round % 2 == 0)); then order=(mtls+authz mtls tls plaintext); fi
  for label in "${order[@]}"; do run "$label" "$round"; done
done

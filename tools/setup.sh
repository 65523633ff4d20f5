#!/usr/bin/env bash
# Installs the Debian 12 packages the build needs (only those missing), then
# configures and builds. Usage: tools/setup.sh [BUILD_DIR] [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake g++ make pkg-config
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libsqlite3-dev sqlite3 libssl-dev openssl libzstd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  tzdata
  # libpq for the PostgreSQL decision log; the server binaries for the tests'
  # throwaway clusters (tests/testing/test_postgres.h). The package's default
  # cluster, if its install makes one, is never used.
  libpq-dev postgresql-15
  # Operations: the Prometheus endpoint, the server's log lines, refundctl's
  # argument parser (reasons in BUILD_NOTES.md).
  prometheus-cpp-dev libspdlog-dev libcli11-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "setup: not root and sudo is not installed; as root run:" >&2
      echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
      exit 1
    fi
    sudo_cmd=(sudo)
  fi
  # env, not export: sudo's env_reset would drop DEBIAN_FRONTEND (tzdata and
  # others would then ask questions). apt/dpkg chatter goes to a log that is
  # shown only if the install fails; a fresh VM's boot-time apt run may hold
  # the dpkg lock for a while, so wait for it.
  apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q
       -o DPkg::Lock::Timeout=300)
  log=$(mktemp)
  if ! { "${apt[@]}" update &&
         "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; } \
       >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "setup: apt-get failed installing ${missing[*]}" >&2
    exit 1
  fi
  rm -f "$log"
fi

build_dir=${1:-build}
shift || true
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

#!/usr/bin/env bash
# Sets everything up, then runs refund-server on 127.0.0.1:50051 with the
# shipped policies and an SQLite decision log under data/.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh build
mkdir -p data
exec build/bin/refund-server --listen="${LISTEN:-127.0.0.1:50051}" \
  --policies=policies --db=data/decisions.db

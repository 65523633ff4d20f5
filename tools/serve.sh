#!/usr/bin/env bash
# Sets everything up, then runs refund-server on 127.0.0.1:50051 with the
# shipped policies and an SQLite decision log under data/ (created 0700,
# its files 0600, by the server). No candidate root unless CANDIDATE_ROOT
# names one: clients' candidate directories are refused, inline candidate
# files work.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh build
exec build/bin/refund-server --listen="${LISTEN:-127.0.0.1:50051}" \
  --policies=policies --db=data/decisions.db \
  ${CANDIDATE_ROOT:+"--candidate_root=$CANDIDATE_ROOT"}

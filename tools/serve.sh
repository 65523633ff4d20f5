#!/usr/bin/env bash
# Sets everything up, then runs refund-server on 127.0.0.1:50051 with the
# shipped policies and an SQLite decision log under data/ (created 0700,
# its files 0600, by the server). No candidate root unless CANDIDATE_ROOT
# names one: clients' candidate directories are refused, inline candidate
# files work. TLS when TLS_CERT and TLS_KEY name the server's certificate
# and key, mutual TLS when TLS_CLIENT_CA names the clients' CA too (README,
# "Secure start-up"); without them plaintext, which the server refuses on a
# LISTEN address that is not loopback. ACCESS_POLICY names the access policy
# (who may call what; docs/access_control.md), LOG_KEY_FILE the key file that
# encrypts the stored requests and decisions.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh build
exec build/bin/refund-server --listen="${LISTEN:-127.0.0.1:50051}" \
  --policies=policies --db=data/decisions.db \
  ${CANDIDATE_ROOT:+"--candidate_root=$CANDIDATE_ROOT"} \
  ${TLS_CERT:+"--tls_cert=$TLS_CERT"} ${TLS_KEY:+"--tls_key=$TLS_KEY"} \
  ${TLS_CLIENT_CA:+"--tls_client_ca=$TLS_CLIENT_CA"} \
  ${ACCESS_POLICY:+"--access_policy=$ACCESS_POLICY"} \
  ${LOG_KEY_FILE:+"--log_key_file=$LOG_KEY_FILE"}

// Runs refund-server: opens the decision log, loads the policies, serves
// gRPC until SIGINT or SIGTERM, reloads the policies on SIGHUP.
#ifndef SERVER_GRPC_SERVER_RUNNER_H_
#define SERVER_GRPC_SERVER_RUNNER_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/grpc/audit_call_pool.h"
#include "server/grpc/server_credentials.h"
#include "server/log/checkpoint/checkpoint_publisher.h"
#include "server/logging/server_logger.h"

namespace refund::server {

// Largest request accepted (gRPC's receive limit).
inline constexpr int kMaxMessageBytes = 4 * 1024 * 1024;

struct ServerOptions {
  // host:port; port 0 picks a free one.
  std::string listen = "127.0.0.1:50051";
  // TLS or mutual TLS when `tls.cert_file` is set (certificates read again
  // every `tls.refresh_interval`); plaintext otherwise, which needs
  // `insecure` unless the listen host is a loopback address
  // (server/grpc/server_credentials.h).
  ServerTlsOptions tls;
  bool insecure = false;
  std::string policies_dir = "policies";
  // Shop layers over the policies (empty: none).
  std::string shop_policies_dir;
  // The decision log's store, a spec as OpenDecisionLog takes it
  // (server/log/open/open_decision_log.h): `sqlite:PATH` or `PATH`, a
  // PostgreSQL URI (without a password), `memory:`; refund-server's --log,
  // or --db (server/grpc/log_flags.h).
  std::string log_spec = "data/decisions.db";
  // A file store refuses new decisions (UNAVAILABLE, health NOT_SERVING)
  // while its file system has less free space than this, so that the WAL
  // never meets a full disk (it needs up to ~72 MB beyond the data;
  // docs/decision_log_format.md). 0: no floor. Other stores ignore it.
  int64_t min_free_bytes = int64_t{100} << 20;
  // The folder under which clients' candidate directories
  // (ValidatePolicyBundle, Replay) are read; empty: none are
  // (server/bundles/candidate_root.h). Must be a directory when set.
  std::string candidate_root;
  // The access policy (server/access/access_policy.h): who may call what,
  // for which shops; reloaded on SIGHUP (a policy that does not load is
  // refused and the last good one stays). Empty: every caller may call
  // everything.
  std::string access_policy;
  // Where refused calls are logged (appended); empty: standard error.
  std::string access_log;
  // Check every page of the log file at start (PRAGMA quick_check); other
  // stores than a file ignore it.
  bool quick_check = false;
  // The decision log's key file (server/log/log_keyring.h); empty: rows are
  // stored plain. With one, new rows' requests and decisions are sealed
  // with its last key. A log holding rows sealed with keys the file does
  // not hold (or any sealed row, without a file) is refused at start.
  std::string log_key_file;
  // How often health follows the decision log's (LogHealthWatcher).
  absl::Duration health_poll = absl::Milliseconds(250);
  // On SIGTERM, health answers NOT_SERVING for `drain` while calls are
  // still served (load balancers stop sending), then the server stops
  // taking calls; calls in flight then have `shutdown_grace` to finish
  // before they are cancelled. SIGINT, or a second SIGTERM, skips the drain.
  absl::Duration drain = absl::Seconds(5);
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Written with the server's pid once it serves, removed on a clean exit;
  // empty: none.
  std::string pid_file;
  // Replay, VerifyDecisionLog and ValidatePolicyBundle: their threads and
  // how many of each run at once (server/grpc/audit_call_pool.h).
  AuditCallLimits audit;

  // Connections. A connection without calls for this long is closed
  // (GOAWAY); so is one that has not finished its HTTP/2 handshake within
  // `handshake_timeout` (a socket that never sends anything).
  absl::Duration max_connection_idle = absl::Minutes(5);
  absl::Duration handshake_timeout = absl::Seconds(10);
  // The server pings a connection quiet for `keepalive_time` and closes it
  // when the ping is not answered within `keepalive_timeout`: a peer that
  // vanished mid-stream does not hold its calls open.
  absl::Duration keepalive_time = absl::Minutes(2);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Clients may ping no more often than this without sending data; a
  // client that does it twice (ping strikes) is disconnected.
  absl::Duration min_client_ping_interval = absl::Seconds(10);
  // Calls open at once on one connection.
  int max_concurrent_streams = 100;

  // Signed checkpoints of the log's chain head (server/log/checkpoint/,
  // docs/decision_log_format.md "Checkpoints"). Without a key none are
  // signed. The Ed25519 private key, a PEM file (`openssl genpkey
  // -algorithm ed25519`); a key readable by others is warned about.
  std::string checkpoint_key;
  // The key's name in each signature line.
  std::string checkpoint_key_name = "refund-decision-log";
  // The log's name in each checkpoint; empty: DefaultCheckpointOrigin.
  std::string checkpoint_origin;
  // Where each checkpoint is written (the file replaced atomically, the
  // latest only); empty: none are written, GetCheckpoint still signs on
  // demand. With a file, one more is written on shutdown, after the log is
  // closed.
  std::string checkpoint_file;
  CheckpointSchedule checkpoint_schedule;

  // Observability. Prometheus metrics on this host:port (GET /metrics;
  // server/metrics/server_metrics.h); empty: none, no port opened.
  std::string metrics_listen;
  // Decisions also counted by shop (one series per shop).
  bool metrics_shop_label = false;
  // The log lines: calls, reloads, refused calls (without --access_log),
  // the start-up line, gRPC's own lines (server/logging/).
  LoggerOptions logging;
};

// The origin of the checkpoints of the log `log_spec` names, always a valid
// one (characters an origin cannot hold replaced by '_', at most 256):
// "<host name>/<the database file's name>" for a file ("build-01/
// decisions.db"; "build-01/memory" for `memory:`); for a PostgreSQL URI,
// "<its hosts>/<its database>" ("db.internal/refund"; several hosts joined
// by ',', `localhost` when it names none, the database defaulting as libpq's
// does to the user name, then `postgres`), never its password, port or
// query parameters.
std::string DefaultCheckpointOrigin(const std::string& log_spec);

// Blocks SIGHUP, SIGINT and SIGTERM in the calling thread. Call it first in
// main, before any thread exists, so that every thread inherits the mask and
// the signals reach only RunServer's signal thread (sigwait).
absl::Status BlockServerSignals();

// Serves until SIGINT/SIGTERM, then shuts down gracefully. With a
// checkpoint key, GetCheckpoint signs the log's head, and with a checkpoint
// file a thread writes checkpoints as `checkpoint_schedule` says and one
// more after the log is closed. First raises the
// soft descriptor limit to the hard one (server/grpc/descriptor_limit.h).
// While serving, health follows the decision log and the listener:
// NOT_SERVING while the log cannot record decisions, and for good once gRPC's
// listener has stopped accepting (server/grpc/log_health_watcher.h,
// server/grpc/listener_failure.h). On shutdown health turns
// NOT_SERVING, in-flight calls get `shutdown_grace` to finish, the decision
// log stores everything queued. Once serving, writes one line to `out`:
//   refund-server listening on HOST:PORT version=<bundle version> tls=<mode>
// (mode: off, tls, mtls, mtls_optional) and flushes it. Under systemd
// ($NOTIFY_SOCKET, server/grpc/systemd_notify.h) it then says READY=1, says
// RELOADING=1 and READY=1 again around each SIGHUP reload, and STOPPING=1
// when the shutdown starts; a notification that cannot be sent is written to
// stderr and ignored. Returns OK after a
// clean shutdown; FAILED_PRECONDITION when the signals are not blocked or
// the policy bundle is refused; INVALID_ARGUMENT, before anything else is
// done, when the TLS options are refused (a plaintext listen on a
// non-loopback host without `insecure`, a missing or unusable certificate
// or key; MakeListenerCredentials) or a non-loopback listen would serve
// every caller (no `access_policy`, no required client certificate, no
// `insecure`); INVALID_ARGUMENT when `candidate_root` is not a directory,
// the access policy does not load, or the checkpoint key or origin is not
// valid (NOT_FOUND, PERMISSION_DENIED when the key cannot be read), or
// `metrics_listen` is not HOST:PORT or cannot be bound, or `logging.file`
// cannot be opened (one line naming the flag);
// UNAVAILABLE when the address cannot be bound; when the log cannot be
// opened, OpenDecisionLog's error (INVALID_ARGUMENT for a spec it cannot
// read, UNAVAILABLE when the store cannot be reached or opened,
// FAILED_PRECONDITION for a schema or keys it cannot use) in one line,
// `decision log <spec>: <why>`.
absl::Status RunServer(const ServerOptions& options, std::ostream& out);

}  // namespace refund::server

#endif  // SERVER_GRPC_SERVER_RUNNER_H_

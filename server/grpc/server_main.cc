// refund-server: flags in, RunServer out (server/grpc/server_runner.h).
#include <cstdint>
#include <iostream>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "refund/build_info.h"
#include "server/grpc/log_flags.h"
#include "server/grpc/server_runner.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve on; port 0 picks a free one");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM file: the server's TLS certificate (its chain after it); with "
          "--tls_key the listener speaks TLS only, and the files are read "
          "again every --tls_refresh_interval (a renewed certificate needs "
          "no restart)");
ABSL_FLAG(std::string, tls_key, "", "PEM file: the private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM file: the CA(s) client certificates must chain to (mutual "
          "TLS); empty: clients are not asked for a certificate");
ABSL_FLAG(std::string, tls_client_auth, "",
          "with --tls_client_ca: require (default; a client must present a "
          "certificate from that CA) or optional (a certificate, if "
          "presented, must verify; clients without one connect too)");
ABSL_FLAG(absl::Duration, tls_refresh_interval, absl::Seconds(10),
          "how often the TLS certificate, key and client CA files are read "
          "again (whole seconds)");
ABSL_FLAG(bool, insecure, false,
          "allow plaintext on a non-loopback --listen address (without a "
          "certificate, plaintext is allowed only on 127.0.0.0/8, ::1 and "
          "localhost)");
ABSL_FLAG(std::string, policies, "policies", "policy bundle directory");
ABSL_FLAG(std::string, shop_policies, "",
          "shop policy layers: a directory with one sub-directory per shop id "
          "(policies/README.md, \"Shop layers\"); empty: the floor alone for "
          "every shop");
ABSL_FLAG(std::string, log, "",
          "decision log store: sqlite:PATH or PATH (a SQLite file, created "
          "with its directory if missing), "
          "postgresql://USER@HOST:PORT/DB?sslmode=verify-full (a libpq URI; "
          "never a password in it: give it in PGPASSFILE or PGPASSWORD), or "
          "memory: (kept in memory, lost on exit). Empty: --db");
ABSL_FLAG(std::string, db, refund::server::kDefaultDbPath,
          "decision log file when --log is not given: PATH or sqlite:PATH "
          "(created with its directory if missing), or memory:; with --log, "
          "leave it at its default");

ABSL_FLAG(std::string, pid_file, "",
          "write the server's pid to this file once it serves (removed on a "
          "clean exit), e.g. for `kill -HUP $(cat FILE)`; empty: none");
ABSL_FLAG(absl::Duration, drain, absl::Seconds(5),
          "on SIGTERM: answer health checks NOT_SERVING for this long while "
          "still serving calls, so load balancers stop sending, then stop "
          "taking calls (a second SIGTERM, or SIGINT, skips the wait)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "after the drain: how long calls in flight may take to finish "
          "before they are cancelled");

ABSL_FLAG(int64_t, min_free_mb, 100,
          "refuse new decisions (UNAVAILABLE, health NOT_SERVING) while the "
          "decision log's file system has less free space than this many "
          "MiB; 0: no floor. A SQLite file only; other stores ignore it");
ABSL_FLAG(int, max_concurrent_replays, 16,
          "Replay streams open at once; more are refused with "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_concurrent_verifies, 2,
          "VerifyDecisionLog calls running at once; more are refused with "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_concurrent_validations, 4,
          "ValidatePolicyBundle calls running at once; more are refused with "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(int, audit_threads, 2,
          "threads that run Replay, VerifyDecisionLog and "
          "ValidatePolicyBundle (at a lower CPU priority than Decide)");
ABSL_FLAG(absl::Duration, max_connection_idle, absl::Minutes(5),
          "close a connection that has had no call for this long");
ABSL_FLAG(absl::Duration, handshake_timeout, absl::Seconds(10),
          "close a connection that has not completed its HTTP/2 handshake "
          "within this time");
ABSL_FLAG(std::string, candidate_root, "",
          "folder under which ValidatePolicyBundle and Replay may read a "
          "client's candidate.directory (a path relative to it; links and "
          "`..` may not lead out); empty: candidate directories are "
          "refused, inline files still work");
ABSL_FLAG(std::string, access_policy, "",
          "access policy file (text-format refund.v1.AccessPolicy): who may "
          "call which RPCs for which shops, by client certificate or bearer "
          "token; reloaded on SIGHUP. Empty: every caller may call "
          "everything");
ABSL_FLAG(std::string, access_log, "",
          "append refused calls (principal, method, reason) to this file; "
          "empty: standard error");
ABSL_FLAG(std::string, log_key_file, "",
          "encrypt the decision log's stored requests and decisions "
          "(AES-256-GCM) with the last key of this file (lines `<key id> "
          "<64 hex digits>`, mode 0600); every key in it decrypts. Empty: "
          "stored plain. A log with rows encrypted under keys the file "
          "does not hold is refused");
ABSL_FLAG(bool, db_quick_check, false,
          "check every page of the decision log file at start; a problem "
          "keeps the server NOT_SERVING. A SQLite file only; other stores "
          "ignore it");

ABSL_FLAG(std::string, checkpoint_key, "",
          "Ed25519 private key (PEM, `openssl genpkey -algorithm ed25519`) "
          "that signs checkpoints of the decision log's chain head "
          "(docs/decision_log_format.md, Checkpoints); empty: none are signed");
ABSL_FLAG(std::string, checkpoint_key_name, "refund-decision-log",
          "the key's name in each checkpoint's signature line");
ABSL_FLAG(std::string, checkpoint_origin, "",
          "the log's name in each checkpoint; empty: <host name>/<db file "
          "name>, or <database host>/<database name> for a PostgreSQL "
          "--log");
ABSL_FLAG(std::string, checkpoint_file, "",
          "file replaced (atomically) by each new checkpoint, the last one "
          "written on shutdown; copy it elsewhere. Empty: checkpoints only "
          "on request (GetCheckpoint)");
ABSL_FLAG(int64_t, checkpoint_every_rows, 10000,
          "write a checkpoint once the log is this many rows past the last "
          "one; 0: not by rows");
ABSL_FLAG(absl::Duration, checkpoint_every, absl::Minutes(5),
          "write a checkpoint when this long has passed since the last one "
          "and the log has grown; 0: not by time");

ABSL_FLAG(std::string, metrics_listen, "",
          "serve Prometheus metrics (text format, GET /metrics) on this "
          "host:port, e.g. 127.0.0.1:9464; empty: no metrics, no port");
ABSL_FLAG(bool, metrics_shop_label, false,
          "also count decisions by shop (refund_shop_decisions_total): one "
          "series per shop");
ABSL_FLAG(std::string, log_level, "info",
          "lowest level of log lines written: info (a line per call), warn "
          "(failed calls, refused reloads), error (the server's own "
          "failures), off");
ABSL_FLAG(std::string, log_format, "text",
          "log lines as text (key=\"value\") or json (one object per line)");
ABSL_FLAG(std::string, log_file, "",
          "append the log lines to this file; empty: standard error");

int main(int argc, char** argv) {
  // Before anything can start a thread.
  if (absl::Status blocked = refund::server::BlockServerSignals();
      !blocked.ok()) {
    std::cerr << "refund-server: " << blocked.message() << std::endl;
    return 1;
  }
  absl::FlagsUsageConfig usage;
  // --help lists this program's flags and the flag library's own
  // (--flagfile, --fromenv); the default filter expects them in a file
  // named after the program and listed none.
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "server/grpc/") ||
           absl::StrContains(file, "absl/flags/");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  usage.version_string = [] {
    return absl::StrCat("refund-server ", refund::kBuildVersion, " (commit ",
                        refund::kBuildCommit, ", ", refund::kBuildType,
                        " build)\n");
  };
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "refund-server --listen=127.0.0.1:50051 --policies=policies "
      "[--log=SPEC | --db=data/decisions.db] [--tls_cert=FILE --tls_key=FILE "
      "[--tls_client_ca=FILE [--tls_client_auth=require|optional]] | "
      "--insecure] [--flagfile=FILE]\n\nServes refund.v1.RefundDecisionService "
      "over gRPC. Flags may also come from a file (--flagfile=FILE, one "
      "--name=value per line) or from the environment "
      "(--fromenv=listen,log reads FLAGS_listen and FLAGS_log).");
  absl::ParseCommandLine(argc, argv);
  // Debian's Abseil keeps the lock-order graph of every Mutex (deadlock
  // detection) on in release builds; it costs ~2% of the server's CPU on the
  // Decide path. The tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  refund::server::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls.key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.tls.refresh_interval = absl::GetFlag(FLAGS_tls_refresh_interval);
  if (const std::string auth = absl::GetFlag(FLAGS_tls_client_auth);
      !auth.empty()) {
    absl::StatusOr<refund::server::ClientAuth> client_auth =
        refund::server::ParseClientAuth(auth);
    if (!client_auth.ok()) {
      std::cerr << "refund-server: " << client_auth.status().message()
                << std::endl;
      return 1;
    }
    options.tls.client_auth = *client_auth;
  }
  options.insecure = absl::GetFlag(FLAGS_insecure);
  options.policies_dir = absl::GetFlag(FLAGS_policies);
  options.shop_policies_dir = absl::GetFlag(FLAGS_shop_policies);
  absl::StatusOr<std::string> log_spec = refund::server::ServerLogSpec(
      absl::GetFlag(FLAGS_log), absl::GetFlag(FLAGS_db));
  if (!log_spec.ok()) {
    std::cerr << "refund-server: " << log_spec.status().message() << std::endl;
    return 1;
  }
  options.log_spec = *std::move(log_spec);
  options.pid_file = absl::GetFlag(FLAGS_pid_file);
  options.drain = absl::GetFlag(FLAGS_drain);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  if (options.drain < absl::ZeroDuration() ||
      options.shutdown_grace < absl::ZeroDuration()) {
    std::cerr << "refund-server: --drain and --shutdown_grace must not be "
                 "negative"
              << std::endl;
    return 1;
  }
  options.min_free_bytes = absl::GetFlag(FLAGS_min_free_mb) << 20;
  options.quick_check = absl::GetFlag(FLAGS_db_quick_check);
  options.log_key_file = absl::GetFlag(FLAGS_log_key_file);
  options.audit.max_replays = absl::GetFlag(FLAGS_max_concurrent_replays);
  options.audit.max_verifies = absl::GetFlag(FLAGS_max_concurrent_verifies);
  options.audit.max_validations =
      absl::GetFlag(FLAGS_max_concurrent_validations);
  options.audit.threads = absl::GetFlag(FLAGS_audit_threads);
  options.max_connection_idle = absl::GetFlag(FLAGS_max_connection_idle);
  options.handshake_timeout = absl::GetFlag(FLAGS_handshake_timeout);
  options.candidate_root = absl::GetFlag(FLAGS_candidate_root);
  options.access_policy = absl::GetFlag(FLAGS_access_policy);
  options.access_log = absl::GetFlag(FLAGS_access_log);
  options.checkpoint_key = absl::GetFlag(FLAGS_checkpoint_key);
  options.checkpoint_key_name = absl::GetFlag(FLAGS_checkpoint_key_name);
  options.checkpoint_origin = absl::GetFlag(FLAGS_checkpoint_origin);
  options.checkpoint_file = absl::GetFlag(FLAGS_checkpoint_file);
  options.checkpoint_schedule.every_rows =
      absl::GetFlag(FLAGS_checkpoint_every_rows);
  options.checkpoint_schedule.every = absl::GetFlag(FLAGS_checkpoint_every);
  if (options.checkpoint_schedule.every_rows < 0 ||
      options.checkpoint_schedule.every < absl::ZeroDuration()) {
    std::cerr << "refund-server: --checkpoint_every_rows and "
                 "--checkpoint_every must not be negative"
              << std::endl;
    return 1;
  }
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.metrics_shop_label = absl::GetFlag(FLAGS_metrics_shop_label);
  options.logging.file = absl::GetFlag(FLAGS_log_file);
  {
    absl::StatusOr<refund::server::LogLevel> level =
        refund::server::ParseLogLevel(absl::GetFlag(FLAGS_log_level));
    absl::StatusOr<refund::server::LogFormat> format =
        refund::server::ParseLogFormat(absl::GetFlag(FLAGS_log_format));
    for (const absl::Status& parsed : {level.status(), format.status()}) {
      if (!parsed.ok()) {
        std::cerr << "refund-server: " << parsed.message() << std::endl;
        return 1;
      }
    }
    options.logging.level = *level;
    options.logging.format = *format;
  }
  absl::Status status = refund::server::RunServer(options, std::cout);
  if (!status.ok()) {
    std::cerr << "refund-server: " << status.message() << std::endl;
    return 1;
  }
  return 0;
}

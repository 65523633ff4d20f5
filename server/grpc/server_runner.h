// Runs refund-server: opens the decision log, loads the policies, serves
// gRPC until SIGINT or SIGTERM, reloads the policies on SIGHUP.
#ifndef SERVER_GRPC_SERVER_RUNNER_H_
#define SERVER_GRPC_SERVER_RUNNER_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace refund::server {

// Largest request accepted (gRPC's receive limit).
inline constexpr int kMaxMessageBytes = 4 * 1024 * 1024;

struct ServerOptions {
  // host:port; port 0 picks a free one.
  std::string listen = "127.0.0.1:50051";
  std::string policies_dir = "policies";
  std::string db_path = "data/decisions.db";
  // How long in-flight calls may take to finish on shutdown before they are
  // cancelled.
  absl::Duration shutdown_grace = absl::Seconds(10);
};

// Blocks SIGHUP, SIGINT and SIGTERM in the calling thread. Call it first in
// main, before any thread exists, so that every thread inherits the mask and
// the signals reach only RunServer's signal thread (sigwait).
absl::Status BlockServerSignals();

// Serves until SIGINT/SIGTERM, then shuts down gracefully: health turns
// NOT_SERVING, in-flight calls get `shutdown_grace` to finish, the decision
// log stores everything queued. Once serving, writes one line to `out`:
//   refund-server listening on HOST:PORT version=<bundle version>
// and flushes it. Returns OK after a clean shutdown; FAILED_PRECONDITION when
// the signals are not blocked or the policy bundle is refused; UNAVAILABLE
// when the log cannot be opened or the address cannot be bound.
absl::Status RunServer(const ServerOptions& options, std::ostream& out);

}  // namespace refund::server

#endif  // SERVER_GRPC_SERVER_RUNNER_H_

// refund-bench's audit flood: what an auditor's scripts gone wrong do to a
// server while the Decide load runs (issue 20, findings 2 and 4). Threads
// that call VerifyDecisionLog back to back, and Replay streams whose client
// reads one result now and then. Counts what the server answered; the load
// generator measures what it does to Decide.
#ifndef TOOLS_BENCH_AUDIT_FLOOD_H_
#define TOOLS_BENCH_AUDIT_FLOOD_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.grpc.pb.h"
#include "tools/client/channel_options.h"
#include "tools/client/server_connection.h"

namespace refund::bench {

struct AuditFloodOptions {
  // The server's address and how to reach it (TLS, a token).
  client::ChannelOptions server;
  // Threads calling VerifyDecisionLog back to back.
  int verifies = 0;
  // Replay streams (exact mode, the whole log) read slowly, each on a
  // connection of its own.
  int slow_replays = 0;
  // How long a slow replay's reader waits between two results.
  absl::Duration replay_read_every = absl::Seconds(1);
};

struct AuditFloodReport {
  int64_t verifies_ok = 0;
  int64_t verifies_refused = 0;  // RESOURCE_EXHAUSTED
  int64_t verifies_failed = 0;   // anything else
  int64_t replays_refused = 0;   // RESOURCE_EXHAUSTED
  int64_t replays_failed = 0;    // ended otherwise before the flood stopped
  int64_t replay_results = 0;    // read by the slow readers

  // One "FLOOD key=value ..." line.
  std::string Format() const;
};

// Thread-safe Stop; the flood runs from Start until Stop.
class AuditFlood {
 public:
  // Starts the flood's threads. INVALID_ARGUMENT naming the flag when
  // `options.server` cannot be used (client::ServerConnection::Open).
  static absl::StatusOr<std::unique_ptr<AuditFlood>> Start(
      const AuditFloodOptions& options);
  ~AuditFlood();  // Stop
  AuditFlood(const AuditFlood&) = delete;
  AuditFlood& operator=(const AuditFlood&) = delete;

  // Cancels the open streams, waits for every thread, returns the counts.
  AuditFloodReport Stop();

 private:
  AuditFlood(const AuditFloodOptions& options,
             client::ServerConnection connection);
  void VerifyLoop();
  // A channel on a connection of its own.
  std::shared_ptr<grpc::Channel> OwnChannel() const;
  void SlowReplay();

  const AuditFloodOptions options_;
  const client::ServerConnection connection_;
  std::shared_ptr<grpc::Channel> verify_channel_;
  absl::Notification stop_;
  std::atomic<int64_t> verifies_ok_{0};
  std::atomic<int64_t> verifies_refused_{0};
  std::atomic<int64_t> verifies_failed_{0};
  std::atomic<int64_t> replays_refused_{0};
  std::atomic<int64_t> replays_failed_{0};
  std::atomic<int64_t> replay_results_{0};
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace refund::bench

#endif  // TOOLS_BENCH_AUDIT_FLOOD_H_

// The server side of the Replay stream on gRPC's callback API.
#ifndef SERVER_GRPC_REPLAY_REACTOR_H_
#define SERVER_GRPC_REPLAY_REACTOR_H_

#include <atomic>
#include <memory>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.pb.h"
#include "server/audit/decision_replayer.h"

namespace refund::server {

// Writes the replayer's results one at a time: the next result is produced
// only when the previous write is done (gRPC flow control: a slow client
// slows the replay, nothing piles up in memory), in OnWriteDone on a gRPC
// callback thread. Each step replays one decision (about 10 µs) or reads
// one page of the log (up to kMaxPageSize rows), so no callback thread is
// held for long. A cancelled call (client gone, deadline) stops at the next
// step. Deletes itself when done.
class ReplayReactor final : public grpc::ServerWriteReactor<v1::ReplayResult> {
 public:
  // Starts writing at once.
  explicit ReplayReactor(std::unique_ptr<DecisionReplayer> replayer);

  // A reactor that finishes at once with `status` (a refused request).
  static grpc::ServerWriteReactor<v1::ReplayResult>* Refuse(
      const absl::Status& status);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void WriteNext();

  std::unique_ptr<DecisionReplayer> replayer_;
  v1::ReplayResult current_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace refund::server

#endif  // SERVER_GRPC_REPLAY_REACTOR_H_

// The server side of the Replay stream on gRPC's callback API.
#ifndef SERVER_GRPC_REPLAY_REACTOR_H_
#define SERVER_GRPC_REPLAY_REACTOR_H_

#include <atomic>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.pb.h"
#include "server/audit/decision_replayer.h"
#include "server/grpc/audit_call_pool.h"

namespace refund::server {

// Writes the replayer's results one at a time, each step on the audit pool
// (server/grpc/audit_call_pool.h), never on a gRPC thread: the next result
// is produced only when the previous write is done (gRPC flow control: a
// client that does not read stops the replay, nothing piles up in memory
// beyond the replayer's one page). Each step replays one decision (about
// 10 µs) or reads one page of the log, so a pool thread is never held for
// long and open replays share the pool. A cancelled call (client gone,
// deadline passed) stops at the next stored decision. Holds its audit slot
// until done; deletes itself when done.
class ReplayReactor final : public grpc::ServerWriteReactor<v1::ReplayResult> {
 public:
  using MakeReplayer =
      absl::AnyInvocable<absl::StatusOr<std::unique_ptr<DecisionReplayer>>()>;

  // Makes the replayer on the pool (a candidate bundle is compiled there),
  // then starts writing; a replayer that cannot be made finishes the call
  // with its status. `pool` must outlive the reactor.
  ReplayReactor(AuditCallPool& pool, AuditSlot slot, MakeReplayer make);

  // A reactor that finishes at once with `status` (a refused request).
  static grpc::ServerWriteReactor<v1::ReplayResult>* Refuse(
      const absl::Status& status);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // On the pool.
  void Start(MakeReplayer make);
  void WriteNext();
  // Gives the audit slot back, then finishes the call.
  void Done(const grpc::Status& status);

  AuditCallPool& pool_;
  AuditSlot slot_;
  std::unique_ptr<DecisionReplayer> replayer_;
  v1::ReplayResult current_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace refund::server

#endif  // SERVER_GRPC_REPLAY_REACTOR_H_

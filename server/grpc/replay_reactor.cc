#include "server/grpc/replay_reactor.h"

#include <optional>
#include <utility>

#include "server/grpc/grpc_status.h"

namespace refund::server {
namespace {

class RefusedReplay final : public grpc::ServerWriteReactor<v1::ReplayResult> {
 public:
  explicit RefusedReplay(const absl::Status& status) {
    Finish(ToGrpcStatus(status));
  }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::ReplayResult>* ReplayReactor::Refuse(
    const absl::Status& status) {
  return new RefusedReplay(status);
}

ReplayReactor::ReplayReactor(std::unique_ptr<DecisionReplayer> replayer)
    : replayer_(std::move(replayer)) {
  WriteNext();
}

void ReplayReactor::WriteNext() {
  if (cancelled_.load()) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "replay cancelled"));
    return;
  }
  absl::StatusOr<std::optional<v1::ReplayResult>> next = replayer_->Next();
  if (!next.ok()) {
    Finish(ToGrpcStatus(next.status()));
    return;
  }
  if (!next->has_value()) {
    Finish(grpc::Status::OK);
    return;
  }
  // Only one write is in flight, so current_ is free again.
  current_ = **std::move(next);
  StartWrite(&current_);
}

void ReplayReactor::OnWriteDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                        "replay: the stream is broken"));
    return;
  }
  WriteNext();
}

void ReplayReactor::OnCancel() { cancelled_.store(true); }

void ReplayReactor::OnDone() { delete this; }

}  // namespace refund::server

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

ReplayReactor::ReplayReactor(AuditCallPool& pool, AuditSlot slot,
                             MakeReplayer make)
    : pool_(pool), slot_(std::move(slot)) {
  pool_.Run(AuditCallKind::kReplay, [this, make = std::move(make)]() mutable {
    Start(std::move(make));
  });
}

void ReplayReactor::Start(MakeReplayer make) {
  absl::StatusOr<std::unique_ptr<DecisionReplayer>> replayer = make();
  if (!replayer.ok()) {
    Done(ToGrpcStatus(replayer.status()));
    return;
  }
  replayer_ = *std::move(replayer);
  WriteNext();
}

void ReplayReactor::WriteNext() {
  absl::StatusOr<std::optional<v1::ReplayResult>> next =
      replayer_->Next([this] { return cancelled_.load(); });
  if (!next.ok()) {
    Done(ToGrpcStatus(next.status()));
    return;
  }
  if (!next->has_value()) {
    Done(grpc::Status::OK);
    return;
  }
  // Only one write is in flight, so current_ is free again.
  current_ = **std::move(next);
  StartWrite(&current_);
}

void ReplayReactor::OnWriteDone(bool ok) {
  if (!ok) {
    Done(grpc::Status(grpc::StatusCode::CANCELLED,
                      "replay: the stream is broken"));
    return;
  }
  pool_.Run(AuditCallKind::kReplay, [this] { WriteNext(); });
}

void ReplayReactor::Done(const grpc::Status& status) {
  slot_.Release();
  Finish(status);
}

void ReplayReactor::OnCancel() { cancelled_.store(true); }

void ReplayReactor::OnDone() { delete this; }

}  // namespace refund::server

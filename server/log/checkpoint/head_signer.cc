#include "server/log/checkpoint/head_signer.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/base/status_macros.h"

namespace refund::server {

absl::StatusOr<std::unique_ptr<HeadSigner>> HeadSigner::Create(
    DecisionLog& log, std::unique_ptr<const CheckpointSigner> signer,
    std::string origin, absl::AnyInvocable<absl::Time() const> clock) {
  RETURN_IF_ERROR(ValidateCheckpointOrigin(origin));
  if (signer == nullptr) {
    return absl::InvalidArgumentError("HeadSigner: no signer");
  }
  if (!clock) clock = [] { return absl::Now(); };
  return std::unique_ptr<HeadSigner>(new HeadSigner(
      log, std::move(signer), std::move(origin), std::move(clock)));
}

absl::StatusOr<SignedHead> HeadSigner::Sign() const {
  if (LogHealth health = log_.Health(); !health.serving) {
    return absl::FailedPreconditionError(
        absl::StrCat("the decision log is not serving (", health.reason,
                     "): its head is not signed"));
  }
  ASSIGN_OR_RETURN(ChainHead head, log_.CommittedHead());
  if (head.last_seq == 0) {
    return absl::FailedPreconditionError(
        "the decision log is empty: there is no row to checkpoint yet");
  }
  SignedHead signed_head;
  signed_head.checkpoint.origin = origin_;
  signed_head.checkpoint.seq = head.last_seq;
  signed_head.checkpoint.row_hash = std::move(head.last_hash);
  // To the microsecond, as the note writes it.
  signed_head.checkpoint.time =
      absl::FromUnixMicros(absl::ToUnixMicros(clock_()));
  ASSIGN_OR_RETURN(signed_head.note, signer_->Sign(signed_head.checkpoint));
  return signed_head;
}

}  // namespace refund::server

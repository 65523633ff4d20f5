// Signs a decision log's chain head as a checkpoint: the committed head
// (DecisionLog::CommittedHead, what this process stored), the log's origin
// and the time, through a CheckpointSigner. Used on demand (the
// GetCheckpoint RPC) and by the CheckpointPublisher's thread; never on the
// Decide path.
#ifndef SERVER_LOG_CHECKPOINT_HEAD_SIGNER_H_
#define SERVER_LOG_CHECKPOINT_HEAD_SIGNER_H_

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/log/checkpoint/checkpoint_signer.h"
#include "server/log/checkpoint/log_checkpoint.h"
#include "server/log/decision_log.h"

namespace refund::server {

// A checkpoint and its note.
struct SignedHead {
  LogCheckpoint checkpoint;
  std::string note;
};

// Thread-safe. Borrows `log`, which must outlive it.
class HeadSigner {
 public:
  // `origin` must pass ValidateCheckpointOrigin (checked by Create).
  // `clock` gives the checkpoint's time (absl::Now by default).
  static absl::StatusOr<std::unique_ptr<HeadSigner>> Create(
      DecisionLog& log, std::unique_ptr<const CheckpointSigner> signer,
      std::string origin, absl::AnyInvocable<absl::Time() const> clock = {});

  // Signs the log's committed head now. FAILED_PRECONDITION when the log is
  // empty (nothing to vouch for) or not serving (a log found altered or
  // moved is not signed); the log's error when it cannot give its head;
  // INTERNAL when signing fails.
  absl::StatusOr<SignedHead> Sign() const;

  DecisionLog& log() const { return log_; }
  const CheckpointSigner& signer() const { return *signer_; }
  const std::string& origin() const { return origin_; }

 private:
  HeadSigner(DecisionLog& log, std::unique_ptr<const CheckpointSigner> signer,
             std::string origin, absl::AnyInvocable<absl::Time() const> clock)
      : log_(log),
        signer_(std::move(signer)),
        origin_(std::move(origin)),
        clock_(std::move(clock)) {}

  DecisionLog& log_;
  const std::unique_ptr<const CheckpointSigner> signer_;
  const std::string origin_;
  const absl::AnyInvocable<absl::Time() const> clock_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_CHECKPOINT_HEAD_SIGNER_H_

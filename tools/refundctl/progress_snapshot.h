// A LogSnapshot that counts the rows read from it on a ProgressReporter:
// verify and migrate hand it to the server's verifier, which walks the
// snapshot itself. Its total is the snapshot's chain head seq.
#ifndef TOOLS_REFUNDCTL_PROGRESS_SNAPSHOT_H_
#define TOOLS_REFUNDCTL_PROGRESS_SNAPSHOT_H_

#include <memory>
#include <optional>
#include <vector>

#include "server/log/log_snapshot.h"
#include "tools/refundctl/progress_reporter.h"

namespace refund {

class ProgressSnapshot final : public server::LogSnapshot {
 public:
  // Sets `progress`'s total from `snapshot`'s chain head when it draws.
  ProgressSnapshot(server::LogSnapshot& snapshot, ProgressReporter& progress);

  absl::StatusOr<std::optional<server::LogRecord>> Next() override;
  absl::StatusOr<std::vector<server::StoredBundleText>> Bundles() override {
    return snapshot_.Bundles();
  }
  absl::StatusOr<HeadState> Head() override { return snapshot_.Head(); }
  absl::StatusOr<std::vector<int64_t>> OrphanIndexedSeqs() override {
    return snapshot_.OrphanIndexedSeqs();
  }

 private:
  server::LogSnapshot& snapshot_;
  ProgressReporter& progress_;
};

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_PROGRESS_SNAPSHOT_H_

#include "tools/refundctl/progress_snapshot.h"

namespace refund {

ProgressSnapshot::ProgressSnapshot(server::LogSnapshot& snapshot,
                                   ProgressReporter& progress)
    : snapshot_(snapshot), progress_(progress) {
  if (!progress_.enabled()) return;
  absl::StatusOr<HeadState> head = snapshot_.Head();
  if (head.ok() && head->head.has_value()) {
    progress_.SetTotal(head->head->last_seq);
  }
}

absl::StatusOr<std::optional<server::LogRecord>> ProgressSnapshot::Next() {
  absl::StatusOr<std::optional<server::LogRecord>> row = snapshot_.Next();
  if (row.ok() && row->has_value()) progress_.Advance();
  return row;
}

}  // namespace refund

// Prints a Replay stream for people (table), programs (json: JSON Lines, one
// ReplayResult per line, the summary last) or spreadsheets (csv: one row per
// decision; the summary as `#` comment lines after them).
#ifndef TOOLS_REFUNDCTL_REPLAY_FORMAT_H_
#define TOOLS_REFUNDCTL_REPLAY_FORMAT_H_

#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "refund/v1/service.pb.h"

namespace refund {

class ReplayPrinter {
 public:
  virtual ~ReplayPrinter() = default;
  // Called once per result, in stream order.
  virtual void Print(const v1::ReplayResult& result) = 0;
};

// INVALID_ARGUMENT "format: ..." for a format other than table, json, csv.
absl::StatusOr<std::unique_ptr<ReplayPrinter>> NewReplayPrinter(
    const std::string& format, std::ostream& out);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_REPLAY_FORMAT_H_

// Prints a Replay stream for people (table), programs (json: JSON Lines, one
// ReplayResult per line, the summary last) or spreadsheets (csv: plain CSV,
// a header and one row per decision, every row with the header's columns;
// the summary goes to standard error).
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

struct ReplayPrintOptions {
  // table, json or csv.
  std::string format = "table";
  // json: an unchanged result keeps its stored and replayed decisions (by
  // default they are left out: the same decision twice says nothing a
  // reader of the diff needs, and it is most of the bytes).
  bool include_unchanged_decisions = false;
};

// Results go to `out`; the csv format's summary goes to `err`.
// INVALID_ARGUMENT "format: ..." for a format other than table, json, csv.
absl::StatusOr<std::unique_ptr<ReplayPrinter>> NewReplayPrinter(
    const ReplayPrintOptions& options, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_REPLAY_FORMAT_H_

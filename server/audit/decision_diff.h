// What differs between two decisions of the same request (Replay).
#ifndef SERVER_AUDIT_DECISION_DIFF_H_
#define SERVER_AUDIT_DECISION_DIFF_H_

#include <string>
#include <vector>

#include "refund/v1/refund.pb.h"

namespace refund::server {

struct DecisionDiffOptions {
  // Exact replay compares `policy` too (the same bundle must be named); a
  // candidate bundle always has another version, so candidate replay leaves
  // `policy` out: a new version alone is not a change.
  bool compare_policy = true;
};

// The proto field paths of Decision in which `stored` and `replayed` differ,
// in field order, each once: a repeated field (`actions`, `matched_rules`,
// ...) and a Timestamp (`respond_by`) are named as a whole, other messages
// by their leaf fields (`refund_amount.minor_units`, `policy.version`).
// `decision_id` and `decided_at` are never compared (a replay has its own).
// Empty when equal. Thread-safe.
std::vector<std::string> ChangedFields(const v1::Decision& stored,
                                       const v1::Decision& replayed,
                                       const DecisionDiffOptions& options = {});

}  // namespace refund::server

#endif  // SERVER_AUDIT_DECISION_DIFF_H_

// What verifying a decision log found (server/log/log_verifier.h): the log's
// own type, converted to the VerifyDecisionLog RPC's message at the edge.
#ifndef SERVER_LOG_VERIFY_REPORT_H_
#define SERVER_LOG_VERIFY_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

namespace refund::server {

// One broken link.
struct LogProblem {
  // The row where it shows; 0 for the log as a whole.
  int64_t seq = 0;
  std::string decision_id;
  // PREV_HASH_MISMATCH, ROW_HASH_MISMATCH, COLUMN_MISMATCH, SEQ_GAP,
  // CORRUPT_ROW, BUNDLE_MISSING, BUNDLE_ALTERED, RULES_MISMATCH,
  // HEAD_MISMATCH, KEY_MISSING, CHECKPOINT_MISMATCH, CHECKPOINT_BEYOND_HEAD.
  std::string kind;
  std::string message;
};

// Whether the log still holds a row recorded outside it (a ChainAnchor,
// server/log/log_verifier.h), in the order the anchors were given.
struct AnchorResult {
  int64_t seq = 0;
  // The row at `seq` has the anchor's row_hash and no row from 1 to `seq`
  // has a problem: rows 1..seq are as they were when the anchor was taken.
  bool holds = false;
};

struct VerifyReport {
  bool ok = false;
  int64_t rows_checked = 0;
  int64_t bundles_checked = 0;
  // The first problems in log order (those of the log as a whole last).
  std::vector<LogProblem> problems;
  // Every problem found, listed or not.
  int64_t problem_count = 0;
  // The last row's seq and row_hash (lower-case hex; empty for an empty
  // log).
  int64_t last_seq = 0;
  std::string last_row_hash;
  bool has_chain_head = false;
  // One per anchor given to VerifyLog.
  std::vector<AnchorResult> anchors;
};

}  // namespace refund::server

#endif  // SERVER_LOG_VERIFY_REPORT_H_

// Checks a decision log for tampering (`refundctl verify`, the
// VerifyDecisionLog RPC), on any store: it reads one LogSnapshot
// (server/log/log_snapshot.h) and checks, for each row in seq order:
// - SEQ_GAP: seq follows the previous row's seq by one (rows are never
//   deleted; a failed batch rolls its rows back);
// - PREV_HASH_MISMATCH: prev_hash is the previous row's row_hash (32 zero
//   bytes for the first): a row before it was deleted, inserted or moved;
// - ROW_HASH_MISMATCH: row_hash is ComputeRowHash over the stored request,
//   decision, bundle_version, decided_at and prev_hash: the row was edited;
// - CORRUPT_ROW: the request and decision bytes parse;
// - COLUMN_MISMATCH: the indexed columns (decision_id, request_id,
//   refund_id, shop_id, verdict, decided_at, bundle_version, request_sha256)
//   agree with the hashed request and decision bytes (they are not hashed
//   themselves, so an edit there shows only here);
// - RULES_MISMATCH: the rule ids the store indexes the row under are exactly
//   the decision's matched rule ids (ListDecisions' rule filter reads them),
//   and the index names no row that is gone;
// - BUNDLE_MISSING / BUNDLE_ALTERED: the bundle text of the row's version is
//   stored and its SHA-256 is the version (replay needs it);
// then, for the log as a whole, HEAD_MISMATCH: the chain head (last seq and
// row_hash, written in the same transaction as the rows) names the last row,
// so that deleting the last rows is detected too; and KEY_MISSING, once per
// key id, when rows are sealed with a key the snapshot was not given
// (LogRecord::missing_key_id): their links (seq, prev_hash, the head) are
// checked, their row hashes, columns and rules cannot be, and the log does
// not verify. A sealed row that does not authenticate is CORRUPT_ROW (and
// ROW_HASH_MISMATCH).
// And, for each anchor given (a row recorded outside the log: a signed
// checkpoint, server/log/checkpoint/log_checkpoint.h):
// - CHECKPOINT_MISMATCH: the row at the anchor's seq is missing or has
//   another row_hash (reported at that seq);
// - CHECKPOINT_BEYOND_HEAD: the log ends before the anchor's seq (rows were
//   deleted from its end).
//
// What it cannot detect without anchors: a rewrite of the whole chain from
// some row on (recomputing every later row_hash and the head) by someone who
// can write the store; the hashes are unkeyed. An anchor kept outside the
// log closes that gap up to its seq: the chain from row 1 to it verifies and
// ends in its row_hash only if those rows are the ones it was taken from.
#ifndef SERVER_LOG_LOG_VERIFIER_H_
#define SERVER_LOG_LOG_VERIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "server/log/log_snapshot.h"
#include "server/log/verify_report.h"

namespace refund::server {

inline constexpr int kDefaultMaxProblems = 100;

// A row the log must still hold as it was: its seq and row_hash, recorded
// outside the log.
struct ChainAnchor {
  int64_t seq = 0;       // >= 1
  std::string row_hash;  // raw 32 bytes
};

struct VerifyOptions {
  // 0 = kDefaultMaxProblems.
  int max_problems = 0;
  // Checked in any order; several may name the same seq.
  std::vector<ChainAnchor> anchors;
};

// Verifies the log `snapshot` shows. Problems are the answer (`ok` false,
// the first `max_problems` (0 = kDefaultMaxProblems) listed in log order, all
// counted); a non-OK status means the check could not run (the snapshot's
// error: UNAVAILABLE when the store cannot be read). Reads `snapshot` to its
// end. Thread-safe (nothing shared).
absl::StatusOr<VerifyReport> VerifyLog(LogSnapshot& snapshot,
                                       int max_problems = 0);

// VerifyLog that asks `stop` before every kVerifyStopCheckRows rows and ends
// with CANCELLED when it says yes (the caller is gone: a verify of a large
// log must not run on for nobody).
inline constexpr int kVerifyStopCheckRows = 256;
absl::StatusOr<VerifyReport> VerifyLog(LogSnapshot& snapshot, int max_problems,
                                       absl::FunctionRef<bool()> stop);

// VerifyLog with `options` (anchors: VerifyReport::anchors gets one result
// each). INVALID_ARGUMENT for an anchor whose seq is below 1 or whose
// row_hash is not 32 bytes.
absl::StatusOr<VerifyReport> VerifyLog(LogSnapshot& snapshot,
                                       const VerifyOptions& options,
                                       absl::FunctionRef<bool()> stop);

}  // namespace refund::server

#endif  // SERVER_LOG_LOG_VERIFIER_H_

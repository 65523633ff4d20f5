// What someone with write access to a closed SQLite decision log file, who
// knows its format, can do without `verify` noticing: rewrite a decision and
// recompute the chain from it to the end (every later prev_hash and
// row_hash, and the chain head), or cut the last rows off and move the chain
// head back. Only a checkpoint kept elsewhere (server/log/checkpoint/)
// catches either. For the checkpoint tests.
#ifndef TESTS_TESTING_LOG_REWRITER_H_
#define TESTS_TESTING_LOG_REWRITER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace refund::testing {

// The decision at `seq` gets another verdict (APPROVE becomes REJECT,
// anything else APPROVE), in its bytes (stored plain) and its verdict
// column; then every row from `seq` to the end is re-linked and re-hashed
// (server/log/row_hash.h) and the chain head names the new last hash. One
// transaction. NOT_FOUND when the log has no row `seq`.
absl::Status RewriteDecisionAndRechain(const std::string& path, int64_t seq);

// Deletes the rows from `from_seq` on (and their rule ids), and sets the
// chain head to the row before (seq 0 and the genesis hash when none is
// left). One transaction.
absl::Status TruncateLogFrom(const std::string& path, int64_t from_seq);

}  // namespace refund::testing

#endif  // TESTS_TESTING_LOG_REWRITER_H_

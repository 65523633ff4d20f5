// One consistent view of a whole decision log, row by row in seq order: what
// verify, export and the audit tools read, on any store. A store opens it
// with DecisionLog::OpenSnapshot; nothing appended after that shows in it.
#ifndef SERVER_LOG_LOG_SNAPSHOT_H_
#define SERVER_LOG_LOG_SNAPSHOT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/log/hash_chain.h"
#include "server/log/stored_row.h"

namespace refund::server {

// One stored decision exactly as the store keeps it.
struct LogRecord {
  int64_t seq = 0;
  // The indexed columns and the chain hashes, as stored.
  StoredRowColumns columns;
  // Deterministic serialization of the RefundRequest, unsealed when the
  // store keeps it encrypted; empty when that fails (request_error says why).
  std::string request;
  std::string request_error;
  // Deterministic serialization of the Decision, unsealed and decoded when
  // the store keeps it encrypted or compressed; empty when that fails
  // (decision_error says why).
  std::string decision;
  std::string decision_error;
  // Set when the row is sealed with a key the snapshot was not given
  // (server/log/log_keyring.h): the key's id; request and decision are then
  // empty and their errors too (the row is unreadable, not known to be
  // corrupt).
  std::string missing_key_id;
  // The rule ids the store indexes this decision under (ListDecisions' rule
  // filter), sorted, each once.
  std::vector<std::string> indexed_rule_ids;
};

// A stored bundle version, for verify (its text must hash to its version)
// and for a copy of the log (server/log/log_copier.h), which stores it again
// as it was given to DecisionLog::PutBundle.
struct StoredBundleText {
  std::string version;
  std::string text;
  // The name PutBundle was given; empty when the store keeps none.
  std::string name;
  // The decision dictionary the store keeps for the version
  // (server/log/decision_dictionary.h), the first PutBundle gave it; empty
  // when it keeps none (none was given, or the store does not keep them).
  std::string decision_dictionary;
};

// Not thread-safe: one reader.
class LogSnapshot {
 public:
  virtual ~LogSnapshot() = default;

  // The next record in seq order; nullopt after the last. UNAVAILABLE when
  // the store cannot be read.
  virtual absl::StatusOr<std::optional<LogRecord>> Next() = 0;

  // Every stored bundle version with its text, name and dictionary.
  virtual absl::StatusOr<std::vector<StoredBundleText>> Bundles() = 0;

  // The chain head, as stored.
  struct HeadState {
    // Whether the store keeps a chain head at all (a log file written
    // before schema version 2 does not).
    bool kept = false;
    // nullopt when the store keeps one but it is missing (deleted).
    std::optional<ChainHead> head;
  };
  virtual absl::StatusOr<HeadState> Head() = 0;

  // Seqs that the rule index names but no record has (the index of a
  // deleted row), ascending. Empty for a store whose index cannot outlive
  // its rows.
  virtual absl::StatusOr<std::vector<int64_t>> OrphanIndexedSeqs() = 0;
};

}  // namespace refund::server

#endif  // SERVER_LOG_LOG_SNAPSHOT_H_

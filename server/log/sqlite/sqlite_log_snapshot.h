// The SQLite store's LogSnapshot (server/log/log_snapshot.h): a read-only
// connection to a decision log file inside one read transaction, so that
// everything read through it is one consistent snapshot even while a server
// appends. Never writes the file.
#ifndef SERVER_LOG_SQLITE_SQLITE_LOG_SNAPSHOT_H_
#define SERVER_LOG_SQLITE_SQLITE_LOG_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "server/log/log_keyring.h"
#include "server/log/log_snapshot.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_decision_dictionaries.h"
#include "server/log/stored_decision_decoder.h"
#include "server/log/stored_row.h"

namespace refund::server {

// The decisions columns that ReadRowColumns reads, in its order, for a
// SELECT list.
inline constexpr char kRowColumnsSql[] =
    "decision_id, request_id, refund_id, shop_id, verdict, decided_at, "
    "bundle_version, request_sha256, prev_hash, row_hash";

// Reads the kRowColumnsSql columns of the current row of `stmt`, starting at
// column index `first`.
StoredRowColumns ReadRowColumns(const SqliteStatement& stmt, int first);

// Reads any schema version's file (version 1 has no chain head: Head says
// so). Not thread-safe.
class SqliteLogSnapshot final : public LogSnapshot {
 public:
  // UNAVAILABLE when the file cannot be opened; FAILED_PRECONDITION when it
  // has no decisions table (not a decision log). `keyring` (may be null)
  // unseals sealed rows; a row sealed with a key it does not hold is given
  // with its missing_key_id and no bytes (LogRecord), never refused, so
  // that verify can still check the links.
  static absl::StatusOr<std::unique_ptr<SqliteLogSnapshot>> Open(
      const std::string& path,
      std::shared_ptr<const LogKeyring> keyring = nullptr);
  ~SqliteLogSnapshot() override;
  SqliteLogSnapshot(const SqliteLogSnapshot&) = delete;
  SqliteLogSnapshot& operator=(const SqliteLogSnapshot&) = delete;

  absl::StatusOr<std::optional<LogRecord>> Next() override;
  absl::StatusOr<std::vector<StoredBundleText>> Bundles() override;
  absl::StatusOr<HeadState> Head() override;
  // Complete once Next has returned nullopt.
  absl::StatusOr<std::vector<int64_t>> OrphanIndexedSeqs() override;

 private:
  SqliteLogSnapshot(std::unique_ptr<SqliteConnection> db, SqliteStatement rows,
                    SqliteStatement rules,
                    std::shared_ptr<const LogKeyring> keyring)
      : db_(std::move(db)),
        rows_(std::move(rows)),
        rules_(std::move(rules)),
        decoder_(std::move(keyring)) {}

  // Moves the rule cursor to the first rule row at or after `seq`,
  // recording the seqs passed over as orphans.
  absl::Status SkipRulesTo(int64_t seq);
  absl::Status AdvanceRules();

  std::unique_ptr<SqliteConnection> db_;
  // Decisions in seq order; decision_rules in (seq, rule_id) order, read
  // alongside.
  SqliteStatement rows_;
  SqliteStatement rules_;
  bool rules_started_ = false;
  std::optional<std::pair<int64_t, std::string>> rule_;
  std::vector<int64_t> orphans_;
  StoredDecisionDecoder decoder_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_SQLITE_LOG_SNAPSHOT_H_

// Raw rows of the SQLite decision log, every column as stored, for the audit
// tools that must see exactly what is in the file (verify, export), not what
// the log's API makes of it.
#ifndef SERVER_LOG_SQLITE_LOG_ROWS_H_
#define SERVER_LOG_SQLITE_LOG_ROWS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/stored_decision_decoder.h"
#include "server/log/stored_row.h"

namespace refund::server {

// One row of the decisions table.
struct LogRow {
  int64_t seq = 0;
  StoredRowColumns columns;
  std::string request;  // deterministic serialization of the RefundRequest
  // Deterministic serialization of the Decision, decompressed when the row
  // keeps it compressed (server/log/decision_codec.h); empty when that fails.
  std::string decision;
  // Why the stored decision blob could not be decoded; empty when it was.
  std::string decision_error;
};

// The decisions columns that ReadRowColumns reads, in its order, for a
// SELECT list.
inline constexpr char kRowColumnsSql[] =
    "decision_id, request_id, refund_id, shop_id, verdict, decided_at, "
    "bundle_version, request_sha256, prev_hash, row_hash";

// Reads the kRowColumnsSql columns of the current row of `stmt`, starting at
// column index `first`.
StoredRowColumns ReadRowColumns(const SqliteStatement& stmt, int first);

// A read-only connection to a decision log file, inside one read
// transaction, so that everything read through it is one consistent
// snapshot even while a server appends. Never writes the file. Not
// thread-safe.
class LogRowReader {
 public:
  // UNAVAILABLE when the file cannot be opened; FAILED_PRECONDITION when it
  // has no decisions table (not a decision log).
  static absl::StatusOr<std::unique_ptr<LogRowReader>> Open(
      const std::string& path);
  ~LogRowReader();
  LogRowReader(const LogRowReader&) = delete;
  LogRowReader& operator=(const LogRowReader&) = delete;

  // The next row in seq order; nullopt after the last. UNAVAILABLE when the
  // file cannot be read.
  absl::StatusOr<std::optional<LogRow>> Next();

  // The snapshot's connection, for other queries in the same transaction.
  SqliteConnection& connection() { return *db_; }

 private:
  LogRowReader(std::unique_ptr<SqliteConnection> db, SqliteStatement rows)
      : db_(std::move(db)), rows_(std::move(rows)) {}

  std::unique_ptr<SqliteConnection> db_;
  SqliteStatement rows_;
  StoredDecisionDecoder decoder_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_LOG_ROWS_H_

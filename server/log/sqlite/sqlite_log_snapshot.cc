#include "server/log/sqlite/log_rows.h"

#include <sqlite3.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"

namespace refund::server {

StoredRowColumns ReadRowColumns(const SqliteStatement& stmt, int first) {
  StoredRowColumns row;
  row.decision_id = stmt.ColumnBytes(first);
  row.request_id = stmt.ColumnBytes(first + 1);
  row.refund_id = stmt.ColumnBytes(first + 2);
  row.shop_id = stmt.ColumnBytes(first + 3);
  row.verdict = stmt.ColumnInt64(first + 4);
  row.decided_at_micros = stmt.ColumnInt64(first + 5);
  row.bundle_version = stmt.ColumnBytes(first + 6);
  row.request_sha256 = stmt.ColumnBytes(first + 7);
  row.prev_hash = stmt.ColumnBytes(first + 8);
  row.row_hash = stmt.ColumnBytes(first + 9);
  return row;
}

absl::StatusOr<std::unique_ptr<LogRowReader>> LogRowReader::Open(
    const std::string& path) {
  ASSIGN_OR_RETURN(
      std::unique_ptr<SqliteConnection> db,
      SqliteConnection::Open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX));
  RETURN_IF_ERROR(db->Execute("PRAGMA busy_timeout = 5000"));
  ASSIGN_OR_RETURN(int64_t tables,
                   db->QueryInt64("SELECT count(*) FROM sqlite_master WHERE "
                                  "type = 'table' AND name = 'decisions'"));
  if (tables == 0) {
    return absl::FailedPreconditionError(
        path + ": not a decision log (no decisions table)");
  }
  // A deferred transaction: the snapshot is taken by the first read and kept
  // until the reader is destroyed.
  RETURN_IF_ERROR(db->Execute("BEGIN"));
  ASSIGN_OR_RETURN(std::string codec_sql, DecisionCodecSql(*db));
  ASSIGN_OR_RETURN(SqliteStatement rows,
                   db->Prepare(absl::StrCat("SELECT seq, request, decision, ",
                                            codec_sql, ", ", kRowColumnsSql,
                                            " FROM decisions ORDER BY seq")));
  return std::unique_ptr<LogRowReader>(
      new LogRowReader(std::move(db), std::move(rows)));
}

LogRowReader::~LogRowReader() {
  rows_.Reset();
  if (db_->InTransaction()) db_->Execute("COMMIT").IgnoreError();
}

absl::StatusOr<std::optional<LogRow>> LogRowReader::Next() {
  ASSIGN_OR_RETURN(bool has_row, rows_.Step());
  if (!has_row) return std::nullopt;
  LogRow row;
  row.seq = rows_.ColumnInt64(0);
  row.request = rows_.ColumnBytes(1);
  row.columns = ReadRowColumns(rows_, 4);
  absl::StatusOr<std::string> decision =
      decoder_.Decode(*db_, rows_.ColumnInt64(3), row.columns.bundle_version,
                      rows_.ColumnBytes(2));
  if (decision.ok()) {
    row.decision = *std::move(decision);
  } else {
    row.decision_error = std::string(decision.status().message());
  }
  return row;
}

}  // namespace refund::server

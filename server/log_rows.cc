#include "server/log_rows.h"

#include <sqlite3.h>

#include <utility>

#include "absl/status/status.h"
#include "engine/status_macros.h"

namespace refund::server {

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
  ASSIGN_OR_RETURN(
      SqliteStatement rows,
      db->Prepare("SELECT seq, decision_id, request_id, refund_id, shop_id, "
                  "verdict, decided_at, bundle_version, request, decision, "
                  "request_sha256, prev_hash, row_hash "
                  "FROM decisions ORDER BY seq"));
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
  row.decision_id = rows_.ColumnBytes(1);
  row.request_id = rows_.ColumnBytes(2);
  row.refund_id = rows_.ColumnBytes(3);
  row.shop_id = rows_.ColumnBytes(4);
  row.verdict = rows_.ColumnInt64(5);
  row.decided_at_micros = rows_.ColumnInt64(6);
  row.bundle_version = rows_.ColumnBytes(7);
  row.request = rows_.ColumnBytes(8);
  row.decision = rows_.ColumnBytes(9);
  row.request_sha256 = rows_.ColumnBytes(10);
  row.prev_hash = rows_.ColumnBytes(11);
  row.row_hash = rows_.ColumnBytes(12);
  return row;
}

}  // namespace refund::server

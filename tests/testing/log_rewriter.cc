#include "tests/testing/log_rewriter.h"

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "refund/v1/refund.pb.h"
#include "server/log/deterministic_serialization.h"
#include "server/log/log_snapshot.h"
#include "server/log/row_hash.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"

namespace refund::testing {
namespace {

using server::LogRecord;
using server::SqliteConnection;
using server::SqliteStatement;

// Every record of the file from `from_seq` on, with its decision decoded,
// and the row_hash of the row before `from_seq` (the genesis hash for 1).
absl::Status ReadFrom(const std::string& path, int64_t from_seq,
                      std::vector<LogRecord>* records, std::string* prev_hash) {
  ASSIGN_OR_RETURN(std::unique_ptr<server::SqliteLogSnapshot> snapshot,
                   server::SqliteLogSnapshot::Open(path));
  *prev_hash = server::GenesisHash();
  for (;;) {
    ASSIGN_OR_RETURN(std::optional<LogRecord> next, snapshot->Next());
    if (!next) break;
    if (next->seq < from_seq) {
      *prev_hash = next->columns.row_hash;
      continue;
    }
    if (!next->decision_error.empty()) {
      return absl::DataLossError(next->decision_error);
    }
    records->push_back(*std::move(next));
  }
  return absl::OkStatus();
}

absl::Status SetChainHead(SqliteConnection& db, int64_t seq,
                          const std::string& hash) {
  ASSIGN_OR_RETURN(
      SqliteStatement head,
      db.Prepare("UPDATE chain_head SET last_seq = ?1, last_hash = ?2"));
  head.BindInt64(1, seq);
  head.BindBlob(2, hash);
  return head.Run();
}

}  // namespace

absl::Status RewriteDecisionAndRechain(const std::string& path, int64_t seq) {
  std::vector<LogRecord> records;
  std::string prev_hash;
  RETURN_IF_ERROR(ReadFrom(path, seq, &records, &prev_hash));
  if (records.empty() || records.front().seq != seq) {
    return absl::NotFoundError(absl::StrCat("no row has seq ", seq));
  }
  v1::Decision edited;
  if (!edited.ParseFromString(records.front().decision)) {
    return absl::DataLossError("the decision does not parse");
  }
  edited.set_verdict(edited.verdict() == v1::VERDICT_APPROVE
                         ? v1::VERDICT_REJECT
                         : v1::VERDICT_APPROVE);
  records.front().decision = server::SerializeDeterministically(edited);
  records.front().columns.verdict = edited.verdict();

  ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db,
                   SqliteConnection::Open(path, SQLITE_OPEN_READWRITE));
  RETURN_IF_ERROR(db->Execute("BEGIN IMMEDIATE"));
  ASSIGN_OR_RETURN(
      SqliteStatement update,
      db->Prepare(
          "UPDATE decisions SET decision = ?1, decision_codec = 0, "
          "verdict = ?2, prev_hash = ?3, row_hash = ?4 WHERE seq = ?5"));
  for (const LogRecord& record : records) {
    const std::string row_hash = server::ComputeRowHash(
        record.request, record.decision, record.columns.bundle_version,
        record.columns.decided_at_micros, prev_hash);
    update.Reset();
    update.BindBlob(1, record.decision);
    update.BindInt64(2, record.columns.verdict);
    update.BindBlob(3, prev_hash);
    update.BindBlob(4, row_hash);
    update.BindInt64(5, record.seq);
    RETURN_IF_ERROR(update.Run());
    prev_hash = row_hash;
  }
  RETURN_IF_ERROR(SetChainHead(*db, records.back().seq, prev_hash));
  return db->Execute("COMMIT");
}

absl::Status TruncateLogFrom(const std::string& path, int64_t from_seq) {
  std::vector<LogRecord> records;
  std::string prev_hash;
  RETURN_IF_ERROR(ReadFrom(path, from_seq, &records, &prev_hash));
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db,
                   SqliteConnection::Open(path, SQLITE_OPEN_READWRITE));
  RETURN_IF_ERROR(db->Execute("BEGIN IMMEDIATE"));
  RETURN_IF_ERROR(db->Execute(
      absl::StrCat("DELETE FROM decision_rules WHERE seq >= ", from_seq)));
  RETURN_IF_ERROR(db->Execute(
      absl::StrCat("DELETE FROM decisions WHERE seq >= ", from_seq)));
  RETURN_IF_ERROR(SetChainHead(*db, from_seq - 1, prev_hash));
  return db->Execute("COMMIT");
}

}  // namespace refund::testing

#include "server/log/sqlite/sqlite_log_snapshot.h"

#include <sqlite3.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "server/log/blob_cipher.h"
#include "server/log/sqlite/sqlite_blob_keys.h"
#include "server/log/sqlite/sqlite_schema.h"

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

absl::StatusOr<std::unique_ptr<SqliteLogSnapshot>> SqliteLogSnapshot::Open(
    const std::string& path, std::shared_ptr<const LogKeyring> keyring) {
  ASSIGN_OR_RETURN(
      std::unique_ptr<SqliteConnection> db,
      SqliteConnection::Open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX));
  RETURN_IF_ERROR(db->Execute("PRAGMA busy_timeout = 5000"));
  RETURN_IF_ERROR(RequireDecisionsTable(*db, path));
  // A deferred transaction: the snapshot is taken by the first read and kept
  // until the snapshot is destroyed.
  RETURN_IF_ERROR(db->Execute("BEGIN"));
  ASSIGN_OR_RETURN(std::string codec_sql, DecisionCodecSql(*db));
  ASSIGN_OR_RETURN(std::string key_id_sql, KeyIdSql(*db));
  ASSIGN_OR_RETURN(
      SqliteStatement rows,
      db->Prepare(absl::StrCat("SELECT seq, request, decision, ", codec_sql,
                               ", ", kRowColumnsSql, ", ", key_id_sql,
                               " FROM decisions ORDER BY seq")));
  ASSIGN_OR_RETURN(SqliteStatement rules,
                   db->Prepare("SELECT seq, rule_id FROM decision_rules "
                               "ORDER BY seq, rule_id"));
  return std::unique_ptr<SqliteLogSnapshot>(new SqliteLogSnapshot(
      std::move(db), std::move(rows), std::move(rules), std::move(keyring)));
}

SqliteLogSnapshot::~SqliteLogSnapshot() {
  rows_.Reset();
  rules_.Reset();
  if (db_->InTransaction()) db_->Execute("COMMIT").IgnoreError();
}

absl::Status SqliteLogSnapshot::AdvanceRules() {
  ASSIGN_OR_RETURN(bool has_row, rules_.Step());
  if (has_row) {
    rule_.emplace(rules_.ColumnInt64(0), rules_.ColumnBytes(1));
  } else {
    rule_.reset();
  }
  return absl::OkStatus();
}

absl::Status SqliteLogSnapshot::SkipRulesTo(int64_t seq) {
  if (!rules_started_) {
    rules_started_ = true;
    RETURN_IF_ERROR(AdvanceRules());
  }
  while (rule_ && rule_->first < seq) {
    if (orphans_.empty() || orphans_.back() != rule_->first) {
      orphans_.push_back(rule_->first);
    }
    RETURN_IF_ERROR(AdvanceRules());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<LogRecord>> SqliteLogSnapshot::Next() {
  ASSIGN_OR_RETURN(bool has_row, rows_.Step());
  if (!has_row) {
    RETURN_IF_ERROR(SkipRulesTo(INT64_MAX));
    return std::nullopt;
  }
  StoredDecisionDecoder::StoredRow stored;
  stored.seq = rows_.ColumnInt64(0);
  stored.columns = ReadRowColumns(rows_, 4);
  stored.key_id = rows_.ColumnBytes(14);
  stored.request_blob = rows_.ColumnBytes(1);
  stored.decision_blob = rows_.ColumnBytes(2);
  stored.codec = rows_.ColumnInt64(3);
  LogRecord row = decoder_.ReadRecord(
      [this](const std::string& version) {
        return ReadDecisionDictionary(*db_, version);
      },
      std::move(stored));
  // This row's rule rows are consumed whether or not it parses, so that they
  // are never taken for rows of a deleted seq.
  RETURN_IF_ERROR(SkipRulesTo(row.seq));
  while (rule_ && rule_->first == row.seq) {
    row.indexed_rule_ids.push_back(std::move(rule_->second));
    RETURN_IF_ERROR(AdvanceRules());
  }
  return row;
}

absl::StatusOr<std::vector<StoredBundleText>> SqliteLogSnapshot::Bundles() {
  // decision_dictionaries came with schema version 4; a file before it has
  // no dictionaries (its decisions are all plain).
  ASSIGN_OR_RETURN(
      int64_t dictionary_tables,
      db_->QueryInt64("SELECT count(*) FROM sqlite_master WHERE type = "
                      "'table' AND name = 'decision_dictionaries'"));
  ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db_->Prepare(dictionary_tables > 0
                       ? "SELECT b.version, b.text, b.name, d.dictionary "
                         "FROM bundles b LEFT JOIN decision_dictionaries d "
                         "ON d.version = b.version"
                       : "SELECT version, text, name, NULL FROM bundles"));
  std::vector<StoredBundleText> bundles;
  for (;;) {
    ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    StoredBundleText& bundle = bundles.emplace_back();
    bundle.version = stmt.ColumnBytes(0);
    bundle.text = stmt.ColumnBytes(1);
    bundle.name = stmt.ColumnBytes(2);
    bundle.decision_dictionary = stmt.ColumnBytes(3);
  }
  return bundles;
}

absl::StatusOr<LogSnapshot::HeadState> SqliteLogSnapshot::Head() {
  HeadState state;
  ASSIGN_OR_RETURN(int64_t tables,
                   db_->QueryInt64("SELECT count(*) FROM sqlite_master WHERE "
                                   "type = 'table' AND name = 'chain_head'"));
  state.kept = tables > 0;
  if (!state.kept) return state;
  ASSIGN_OR_RETURN(
      SqliteStatement head,
      db_->Prepare("SELECT last_seq, last_hash FROM chain_head WHERE id = 1"));
  ASSIGN_OR_RETURN(bool found, head.Step());
  if (found) state.head = ChainHead{head.ColumnInt64(0), head.ColumnBytes(1)};
  return state;
}

absl::StatusOr<std::vector<int64_t>> SqliteLogSnapshot::OrphanIndexedSeqs() {
  return orphans_;
}

}  // namespace refund::server

#include "server/log/sqlite/sqlite_log_reader.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "engine/base/status_macros.h"
#include "server/log/page_token.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"

namespace refund::server {
namespace {

// Columns: seq, decision, codec, request, bundle_version, then
// kRowColumnsSql, then the key id. `codec_sql` from DecisionCodecSql,
// `key_id_sql` from KeyIdSql.
std::string StoredColumns(absl::string_view codec_sql,
                          absl::string_view key_id_sql) {
  return absl::StrCat("seq, decision, ", codec_sql,
                      ", request, bundle_version, ", kRowColumnsSql, ", ",
                      key_id_sql);
}
constexpr int kKeyIdColumn = 15;

// " AND <the scope's condition>" with placeholders numbered from
// `first_param`: nothing for every shop, `d.shop_id IN (...)` for a list, a
// condition that never holds for an empty one. Returns the next free
// placeholder number. The shop list is bound, never spliced into the SQL.
int AppendScopeCondition(const ShopScope& scope, int first_param,
                         std::string& sql) {
  if (scope.all()) return first_param;
  if (scope.shop_ids().empty()) {
    absl::StrAppend(&sql, " AND 0");
    return first_param;
  }
  int param = first_param;
  absl::StrAppend(&sql, " AND d.shop_id IN (");
  for (size_t i = 0; i < scope.shop_ids().size(); ++i) {
    absl::StrAppend(&sql, i == 0 ? "?" : ", ?", param++);
  }
  absl::StrAppend(&sql, ")");
  return param;
}

// Binds what AppendScopeCondition placed; returns the next placeholder.
int BindScope(const ShopScope& scope, int first_param, SqliteStatement& stmt) {
  int param = first_param;
  if (scope.all()) return param;
  for (const std::string& shop_id : scope.shop_ids()) {
    stmt.BindText(param++, shop_id);
  }
  return param;
}

}  // namespace

// A read connection borrowed from the pool; returned when destroyed.
class SqliteLogReader::Lease {
 public:
  Lease(SqliteLogReader* reader, std::unique_ptr<SqliteConnection> db)
      : reader_(reader), db_(std::move(db)) {}
  Lease(Lease&& other) = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease() {
    if (db_ != nullptr) reader_->Release(std::move(db_));
  }
  SqliteConnection& db() { return *db_; }

 private:
  SqliteLogReader* reader_;
  std::unique_ptr<SqliteConnection> db_;
};

SqliteLogReader::SqliteLogReader(std::string path,
                                 SqliteReaderSettings settings,
                                 const std::string& codec_sql,
                                 const std::string& key_id_sql,
                                 StoredDecisionDecoder& decoder,
                                 LogHealthState* health)
    : path_(std::move(path)),
      settings_(settings),
      stored_columns_(StoredColumns(codec_sql, key_id_sql)),
      decoder_(decoder),
      health_(health) {}

template <typename T>
T SqliteLogReader::Watch(T result) {
  if (health_ != nullptr && !result.ok() && absl::IsDataLoss(result.status())) {
    health_->Broken(std::string(result.status().message()));
  }
  return result;
}

absl::StatusOr<SqliteLogReader::Lease> SqliteLogReader::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<SqliteConnection> db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db,
                   SqliteConnection::Open(
                       path_, (settings_.read_only ? SQLITE_OPEN_READONLY
                                                   : SQLITE_OPEN_READWRITE) |
                                  SQLITE_OPEN_NOMUTEX));
  RETURN_IF_ERROR(db->Execute(
      absl::StrCat("PRAGMA busy_timeout = ", settings_.busy_timeout_ms)));
  RETURN_IF_ERROR(db->Execute("PRAGMA query_only = ON"));
  return Lease(this, std::move(db));
}

void SqliteLogReader::Release(std::unique_ptr<SqliteConnection> db) {
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(idle_.size()) < settings_.max_idle_readers) {
    idle_.push_back(std::move(db));
  }
}

absl::StatusOr<StoredDecision> SqliteLogReader::ReadStoredRow(
    SqliteConnection& db, const SqliteStatement& stmt) {
  StoredDecisionDecoder::StoredRow row;
  row.seq = stmt.ColumnInt64(0);
  row.columns = ReadRowColumns(stmt, 5);
  row.key_id = stmt.ColumnBytes(kKeyIdColumn);
  row.request_blob = stmt.ColumnBytes(3);
  row.decision_blob = stmt.ColumnBytes(1);
  row.codec = stmt.ColumnInt64(2);
  return decoder_.ReadDecision(
      [&db](const std::string& version) {
        return ReadDecisionDictionary(db, version);
      },
      std::move(row));
}

absl::StatusOr<StoredDecision> SqliteLogReader::GetDecision(
    const std::string& decision_id, const ShopScope& scope) {
  std::string sql = absl::StrCat("SELECT ", stored_columns_,
                                 " FROM decisions d WHERE d.decision_id = ?1");
  AppendScopeCondition(scope, 2, sql);
  ASSIGN_OR_RETURN(Lease reader, Acquire());
  ASSIGN_OR_RETURN(SqliteStatement stmt, Watch(reader.db().Prepare(sql)));
  stmt.BindText(1, decision_id);
  BindScope(scope, 2, stmt);
  ASSIGN_OR_RETURN(bool found, Watch(stmt.Step()));
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("decision \"", decision_id, "\" not found"));
  }
  return ReadStoredRow(reader.db(), stmt);
}

absl::StatusOr<DecisionPage> SqliteLogReader::ListDecisions(
    const DecisionFilter& filter) {
  ASSIGN_OR_RETURN(const PageStart start, StartPage(filter));
  const int page_size = start.page_size;
  const int64_t after_seq = start.after_seq;

  // Placeholders are numbered in the order the conditions are added.
  std::string sql = absl::StrCat("SELECT ", stored_columns_,
                                 " FROM decisions d WHERE d.seq > ?1");
  int next_param = 2;
  auto add_condition = [&](absl::string_view condition) {
    absl::StrAppend(&sql, " AND ", condition, next_param++);
  };
  if (!filter.refund_id.empty()) add_condition("d.refund_id = ?");
  if (!filter.shop_id.empty()) add_condition("d.shop_id = ?");
  if (filter.verdict != v1::VERDICT_UNSPECIFIED) add_condition("d.verdict = ?");
  if (filter.decided_from_micros) add_condition("d.decided_at >= ?");
  if (filter.decided_to_micros) add_condition("d.decided_at < ?");
  if (!filter.rule_id.empty()) {
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM decision_rules r "
                    "WHERE r.seq = d.seq AND r.rule_id = ?",
                    next_param++, ")");
  }
  const int first_scope_param = next_param;
  next_param = AppendScopeCondition(filter.scope, next_param, sql);
  // One row more than the page tells whether another page follows.
  absl::StrAppend(&sql, " ORDER BY d.seq LIMIT ?", next_param);

  ASSIGN_OR_RETURN(Lease reader, Acquire());
  ASSIGN_OR_RETURN(SqliteStatement stmt, Watch(reader.db().Prepare(sql)));
  int param = 1;
  stmt.BindInt64(param++, after_seq);
  if (!filter.refund_id.empty()) stmt.BindText(param++, filter.refund_id);
  if (!filter.shop_id.empty()) stmt.BindText(param++, filter.shop_id);
  if (filter.verdict != v1::VERDICT_UNSPECIFIED) {
    stmt.BindInt64(param++, static_cast<int64_t>(filter.verdict));
  }
  if (filter.decided_from_micros) {
    stmt.BindInt64(param++, *filter.decided_from_micros);
  }
  if (filter.decided_to_micros) {
    stmt.BindInt64(param++, *filter.decided_to_micros);
  }
  if (!filter.rule_id.empty()) stmt.BindText(param++, filter.rule_id);
  param = BindScope(filter.scope, first_scope_param, stmt);
  stmt.BindInt64(param, page_size + 1);

  DecisionPage page;
  for (;;) {
    ASSIGN_OR_RETURN(bool has_row, Watch(stmt.Step()));
    if (!has_row) break;
    if (static_cast<int>(page.decisions.size()) == page_size) {
      page.next_page_token = EncodePageToken(page.decisions.back().seq, filter);
      break;
    }
    ASSIGN_OR_RETURN(StoredDecision stored, ReadStoredRow(reader.db(), stmt));
    page.decisions.push_back(std::move(stored));
  }
  return page;
}

absl::StatusOr<std::string> SqliteLogReader::GetBundleText(
    const std::string& version) {
  ASSIGN_OR_RETURN(Lease reader, Acquire());
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   Watch(reader.db().Prepare(
                       "SELECT text FROM bundles WHERE version = ?1")));
  stmt.BindText(1, version);
  ASSIGN_OR_RETURN(bool found, Watch(stmt.Step()));
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("bundle version \"", version, "\" not stored"));
  }
  return stmt.ColumnBytes(0);
}

}  // namespace refund::server

#include "server/log/postgres/pg_log_reader.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "server/log/page_token.h"
#include "server/log/postgres/pg_log_queries.h"

namespace refund::server {
namespace {

// " AND d.shop_id = ANY($n)" for a list of shops (nothing for every shop,
// a condition that never holds for none); the list is bound, never spliced.
void AppendScope(const ShopScope& scope, std::string& sql, PgParams& params,
                 std::vector<absl::string_view>& shop_ids) {
  if (scope.all()) return;
  if (scope.shop_ids().empty()) {
    absl::StrAppend(&sql, " AND false");
    return;
  }
  shop_ids.assign(scope.shop_ids().begin(), scope.shop_ids().end());
  params.TextArray(shop_ids);
  absl::StrAppend(&sql, " AND d.shop_id = ANY($", params.size(), ")");
}

}  // namespace

class PgLogReader::Lease {
 public:
  Lease(PgLogReader* reader, std::unique_ptr<PgConnection> db)
      : reader_(reader), db_(std::move(db)) {}
  Lease(Lease&& other) = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease() {
    if (db_ != nullptr && db_->Alive()) reader_->Release(std::move(db_));
  }
  PgConnection& db() { return *db_; }

 private:
  PgLogReader* reader_;
  std::unique_ptr<PgConnection> db_;
};

PgLogReader::PgLogReader(std::string uri, PgConnectOptions connect,
                         StoredDecisionDecoder& decoder, int max_idle)
    : uri_(std::move(uri)),
      connect_(std::move(connect)),
      decoder_(decoder),
      max_idle_(max_idle) {}

absl::StatusOr<PgLogReader::Lease> PgLogReader::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> db,
                   PgConnection::Connect(uri_, connect_));
  RETURN_IF_ERROR(
      db->Execute("SET default_transaction_read_only = on; "
                  "SET statement_timeout = '60s'"));
  return Lease(this, std::move(db));
}

void PgLogReader::Release(std::unique_ptr<PgConnection> db) {
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(idle_.size()) < max_idle_)
    idle_.push_back(std::move(db));
}

absl::StatusOr<StoredDecision> PgLogReader::ReadStoredRow(
    PgConnection& db, const PgResult& result, int row) {
  return decoder_.ReadDecision(
      [&db](const std::string& version) {
        return ReadPgDictionary(db, version);
      },
      PgStoredRow(result, row));
}

absl::StatusOr<StoredDecision> PgLogReader::GetDecision(
    const std::string& decision_id, const ShopScope& scope) {
  std::string sql = absl::StrCat("SELECT ", kPgStoredColumns,
                                 " FROM decisions d WHERE d.decision_id = $1");
  PgParams params;
  params.Text(decision_id);
  std::vector<absl::string_view> shop_ids;
  AppendScope(scope, sql, params, shop_ids);
  ASSIGN_OR_RETURN(Lease reader, Acquire());
  ASSIGN_OR_RETURN(PgResult result, reader.db().Query(sql, params));
  if (result.rows() == 0) {
    return absl::NotFoundError(
        absl::StrCat("decision \"", decision_id, "\" not found"));
  }
  return ReadStoredRow(reader.db(), result, 0);
}

absl::StatusOr<DecisionPage> PgLogReader::ListDecisions(
    const DecisionFilter& filter) {
  ASSIGN_OR_RETURN(const PageStart start, StartPage(filter));
  const int page_size = start.page_size;
  const int64_t after_seq = start.after_seq;
  std::string sql = absl::StrCat("SELECT ", kPgStoredColumns,
                                 " FROM decisions d WHERE d.seq > $1");
  PgParams params;
  params.Int64(after_seq);
  auto add = [&](absl::string_view condition) {
    absl::StrAppend(&sql, " AND ", condition, "$", params.size());
  };
  if (!filter.refund_id.empty()) {
    params.Text(filter.refund_id);
    add("d.refund_id = ");
  }
  if (!filter.shop_id.empty()) {
    params.Text(filter.shop_id);
    add("d.shop_id = ");
  }
  if (filter.verdict != v1::VERDICT_UNSPECIFIED) {
    params.Int64(static_cast<int64_t>(filter.verdict));
    add("d.verdict = ");
  }
  if (filter.decided_from_micros) {
    params.Int64(*filter.decided_from_micros);
    add("d.decided_at >= ");
  }
  if (filter.decided_to_micros) {
    params.Int64(*filter.decided_to_micros);
    add("d.decided_at < ");
  }
  if (!filter.rule_id.empty()) {
    params.Text(filter.rule_id);
    absl::StrAppend(&sql, " AND $", params.size(), " = ANY(d.rule_ids)");
  }
  std::vector<absl::string_view> shop_ids;
  AppendScope(filter.scope, sql, params, shop_ids);
  // One row more than the page tells whether another page follows.
  params.Int64(page_size + 1);
  absl::StrAppend(&sql, " ORDER BY d.seq LIMIT $", params.size());

  ASSIGN_OR_RETURN(Lease reader, Acquire());
  ASSIGN_OR_RETURN(PgResult result, reader.db().Query(sql, params));
  DecisionPage page;
  for (int r = 0; r < result.rows(); ++r) {
    if (static_cast<int>(page.decisions.size()) == page_size) {
      page.next_page_token = EncodePageToken(page.decisions.back().seq, filter);
      break;
    }
    ASSIGN_OR_RETURN(StoredDecision stored,
                     ReadStoredRow(reader.db(), result, r));
    page.decisions.push_back(std::move(stored));
  }
  return page;
}

absl::StatusOr<std::string> PgLogReader::GetBundleText(
    const std::string& version) {
  ASSIGN_OR_RETURN(Lease reader, Acquire());
  ASSIGN_OR_RETURN(
      PgResult result,
      reader.db().Query("SELECT text FROM bundles WHERE version = $1",
                        PgParams().Text(version)));
  if (result.rows() == 0) {
    return absl::NotFoundError(
        absl::StrCat("bundle version \"", version, "\" not stored"));
  }
  return result.Bytes(0, 0);
}

}  // namespace refund::server

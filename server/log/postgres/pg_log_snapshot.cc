#include "server/log/postgres/pg_log_snapshot.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "server/log/postgres/pg_log_queries.h"
#include "server/log/postgres/pg_schema.h"

namespace refund::server {
namespace {

constexpr int kRowsPerFetch = 256;

}  // namespace

absl::StatusOr<std::unique_ptr<PgLogSnapshot>> PgLogSnapshot::Open(
    const std::string& uri, std::shared_ptr<const LogKeyring> keyring) {
  PgConnectOptions options;
  options.application_name = "refund-log-snapshot";
  ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> db,
                   PgConnection::Connect(uri, options));
  RETURN_IF_ERROR(CheckReadablePgSchema(*db));
  RETURN_IF_ERROR(
      db->Execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
  // The rule ids of each row come with it, sorted.
  RETURN_IF_ERROR(db->Execute(absl::StrCat(
      "DECLARE log_rows NO SCROLL CURSOR FOR SELECT ", kPgStoredColumns,
      ", d.rule_ids FROM decisions d "
      "ORDER BY d.seq")));
  return std::unique_ptr<PgLogSnapshot>(
      new PgLogSnapshot(std::move(db), std::move(keyring)));
}

PgLogSnapshot::~PgLogSnapshot() {
  if (db_->Alive()) db_->Execute("ROLLBACK").IgnoreError();
}

absl::StatusOr<std::optional<LogRecord>> PgLogSnapshot::Next() {
  if (done_) return std::nullopt;
  if (!page_ || next_row_ >= page_->rows()) {
    ASSIGN_OR_RETURN(
        PgResult page,
        db_->Query(absl::StrCat("FETCH ", kRowsPerFetch, " FROM log_rows")));
    page_ = std::move(page);
    next_row_ = 0;
    if (page_->rows() == 0) {
      done_ = true;
      return std::nullopt;
    }
  }
  const PgResult& rows = *page_;
  const int r = next_row_++;
  LogRecord record = decoder_.ReadRecord(
      [this](const std::string& version) {
        return ReadPgDictionary(*db_, version);
      },
      PgStoredRow(rows, r));
  record.indexed_rule_ids = rows.TextArray(r, kPgStoredColumnCount);
  return record;
}

absl::StatusOr<std::vector<StoredBundleText>> PgLogSnapshot::Bundles() {
  ASSIGN_OR_RETURN(
      PgResult result,
      db_->Query("SELECT b.version, b.text, b.name, d.dictionary "
                 "FROM bundles b LEFT JOIN decision_dictionaries d "
                 "ON d.version = b.version ORDER BY b.version"));
  std::vector<StoredBundleText> bundles;
  for (int r = 0; r < result.rows(); ++r) {
    bundles.push_back({result.Bytes(r, 0), result.Bytes(r, 1),
                       result.Bytes(r, 2), result.Bytes(r, 3)});
  }
  return bundles;
}

absl::StatusOr<LogSnapshot::HeadState> PgLogSnapshot::Head() {
  HeadState state;
  state.kept = true;
  ASSIGN_OR_RETURN(
      PgResult result,
      db_->Query("SELECT last_seq, last_hash FROM chain_head WHERE id = 1"));
  if (result.rows() == 1) {
    state.head = ChainHead{result.Int64(0, 0), result.Bytes(0, 1)};
  }
  return state;
}

absl::StatusOr<std::vector<int64_t>> PgLogSnapshot::OrphanIndexedSeqs() {
  // A row's rule ids are a column of the row: they go when it goes.
  return std::vector<int64_t>();
}

}  // namespace refund::server

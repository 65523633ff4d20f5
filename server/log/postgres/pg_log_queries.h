// The reads the PostgreSQL store's writer, readers and snapshots share: the
// columns of a stored row, the chain head, a version's dictionary, and the
// answer to an identical retry.
#ifndef SERVER_LOG_POSTGRES_PG_LOG_QUERIES_H_
#define SERVER_LOG_POSTGRES_PG_LOG_QUERIES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/log/hash_chain.h"
#include "server/log/postgres/pg_connection.h"
#include "server/log/stored_decision_decoder.h"
#include "server/log/stored_row.h"

namespace refund::server {

// The SELECT list of a stored row of `decisions d`, in this order:
// 0 seq, 1 decision_id, 2 request_id, 3 refund_id, 4 shop_id, 5 verdict,
// 6 decided_at, 7 bundle_version, 8 request_sha256, 9 prev_hash,
// 10 row_hash, 11 request, 12 decision, 13 decision_codec, 14 key_id.
inline constexpr char kPgStoredColumns[] =
    "d.seq, d.decision_id, d.request_id, d.refund_id, d.shop_id, d.verdict, "
    "d.decided_at, d.bundle_version, d.request_sha256, d.prev_hash, "
    "d.row_hash, d.request, d.decision, d.decision_codec, d.key_id";
inline constexpr int kPgStoredColumnCount = 15;

// The indexed columns and chain hashes of row `row` of a result selected
// with kPgStoredColumns (from column `first`).
StoredRowColumns PgRowColumns(const PgResult& result, int row, int first = 0);

// Row `row` of a result selected with kPgStoredColumns, for the decoder.
StoredDecisionDecoder::StoredRow PgStoredRow(const PgResult& result, int row);

// A stored row's blobs as kept, with what is needed to read them back.
struct PgStoredBlobs {
  std::string request_id;
  std::string decision_id;
  std::string request;
  std::string decision;
  int64_t codec = 0;
  std::string bundle_version;
  std::string key_id;  // empty: plain
};

// The dictionary stored with `version` ("" when it has none).
absl::StatusOr<std::string> ReadPgDictionary(PgConnection& db,
                                             const std::string& version);

// The chain_head row; DATA_LOSS when it is missing.
absl::StatusOr<ChainHead> ReadChainHeadRow(PgConnection& db);
// DATA_LOSS when the chain_head row is missing or does not name the last
// row (the log was cut or altered at its end), read in one statement.
absl::Status CheckPgChainHead(PgConnection& db);

// The answer to an append whose request_id is stored as `stored`: the
// stored decision's bytes when `request_bytes` are the stored request's;
// ALREADY_EXISTS when they differ; FAILED_PRECONDITION when the row is
// sealed with a key `decoder` lacks; DATA_LOSS when it does not read back.
// `db` reads the stored version's dictionary.
absl::Status AnswerStoredRetry(const PgStoredBlobs& stored,
                               absl::string_view request_bytes,
                               StoredDecisionDecoder& decoder, PgConnection& db,
                               std::string* answer);

}  // namespace refund::server

#endif  // SERVER_LOG_POSTGRES_PG_LOG_QUERIES_H_

#include "server/log/postgres/pg_log_queries.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "refund/v1/refund.pb.h"
#include "server/log/blob_cipher.h"

namespace refund::server {

StoredRowColumns PgRowColumns(const PgResult& result, int row, int first) {
  StoredRowColumns columns;
  columns.decision_id = result.Bytes(row, first + 1);
  columns.request_id = result.Bytes(row, first + 2);
  columns.refund_id = result.Bytes(row, first + 3);
  columns.shop_id = result.Bytes(row, first + 4);
  columns.verdict = result.Int64(row, first + 5);
  columns.decided_at_micros = result.Int64(row, first + 6);
  columns.bundle_version = result.Bytes(row, first + 7);
  columns.request_sha256 = result.Bytes(row, first + 8);
  columns.prev_hash = result.Bytes(row, first + 9);
  columns.row_hash = result.Bytes(row, first + 10);
  return columns;
}

StoredDecisionDecoder::StoredRow PgStoredRow(const PgResult& result, int row) {
  StoredDecisionDecoder::StoredRow stored;
  stored.seq = result.Int64(row, 0);
  stored.columns = PgRowColumns(result, row);
  stored.request_blob = result.Bytes(row, 11);
  stored.decision_blob = result.Bytes(row, 12);
  stored.codec = result.Int64(row, 13);
  stored.key_id = result.Bytes(row, 14);
  return stored;
}

absl::StatusOr<std::string> ReadPgDictionary(PgConnection& db,
                                             const std::string& version) {
  ASSIGN_OR_RETURN(PgResult result,
                   db.Query("SELECT dictionary FROM decision_dictionaries "
                            "WHERE version = $1",
                            PgParams().Text(version)));
  return result.rows() == 0 ? std::string() : result.Bytes(0, 0);
}

absl::StatusOr<ChainHead> ReadChainHeadRow(PgConnection& db) {
  ASSIGN_OR_RETURN(
      PgResult result,
      db.Query("SELECT last_seq, last_hash FROM chain_head WHERE id = 1"));
  if (result.rows() != 1) {
    return absl::DataLossError(
        "decision log (postgresql): the chain head row is missing; run "
        "refundctl verify");
  }
  return ChainHead{result.Int64(0, 0), result.Bytes(0, 1)};
}

absl::Status CheckPgChainHead(PgConnection& db) {
  ASSIGN_OR_RETURN(
      PgResult result,
      db.Query("SELECT h.last_seq, h.last_hash, "
               "coalesce(l.seq, 0), coalesce(l.row_hash, h.last_hash) "
               "FROM chain_head h LEFT JOIN (SELECT seq, row_hash FROM "
               "decisions ORDER BY seq DESC LIMIT 1) l ON true "
               "WHERE h.id = 1"));
  if (result.rows() != 1) {
    return absl::DataLossError(
        "decision log (postgresql): the chain head row is missing; run "
        "refundctl verify");
  }
  // With no rows, the head's own hash stands in for the last row's.
  if (result.Int64(0, 0) != result.Int64(0, 2) ||
      result.Bytes(0, 1) != result.Bytes(0, 3)) {
    return absl::DataLossError(absl::StrCat(
        "decision log (postgresql): the chain head names seq ",
        result.Int64(0, 0), " but the last row is seq ", result.Int64(0, 2),
        ": the log was cut or altered at its end; run refundctl verify"));
  }
  return absl::OkStatus();
}

absl::Status AnswerStoredRetry(const PgStoredBlobs& stored,
                               absl::string_view request_bytes,
                               StoredDecisionDecoder& decoder, PgConnection& db,
                               std::string* answer) {
  // A sealed row is unsealed (with the key that sealed it) and compared as
  // a plain one: against the authenticated request.
  absl::StatusOr<std::string> request = decoder.Unseal(
      stored.key_id, BlobRole::kRequest, stored.decision_id, stored.request);
  if (!request.ok()) {
    return absl::Status(
        request.status().code(),
        absl::StrCat("decision log: stored request for request_id \"",
                     stored.request_id,
                     "\" cannot be read: ", request.status().message()));
  }
  if (*request != request_bytes) {
    return absl::AlreadyExistsError(
        absl::StrCat("request_id \"", stored.request_id,
                     "\" was already decided for a different request"));
  }
  absl::StatusOr<std::string> decision = decoder.Unseal(
      stored.key_id, BlobRole::kDecision, stored.decision_id, stored.decision);
  if (decision.ok()) {
    decision = decoder.Decode(
        [&db](const std::string& version) {
          return ReadPgDictionary(db, version);
        },
        stored.codec, stored.bundle_version, *std::move(decision));
  }
  if (v1::Decision parsed;
      !decision.ok() || !parsed.ParseFromString(*decision)) {
    return absl::DataLossError(
        absl::StrCat("decision log: stored decision for request_id \"",
                     stored.request_id, "\" is corrupt"));
  }
  *answer = *std::move(decision);
  return absl::OkStatus();
}

}  // namespace refund::server

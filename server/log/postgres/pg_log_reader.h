// The reads of the PostgreSQL decision log (GetDecision, ListDecisions,
// GetBundleText) on a small pool of connections of their own, so that they
// never wait for the writer. Each read is one statement (READ COMMITTED): it
// sees every row committed by any replica before it began.
//
// A connection that fails is dropped; the next read connects again (no
// backoff: a read is the caller's to retry).
//
// Thread-safe.
#ifndef SERVER_LOG_POSTGRES_PG_LOG_READER_H_
#define SERVER_LOG_POSTGRES_PG_LOG_READER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/log/decision_log.h"
#include "server/log/postgres/pg_connection.h"
#include "server/log/stored_decision_decoder.h"

namespace refund::server {

class PgLogReader {
 public:
  // Reads the database at `uri`; `decoder` (its keyring unseals sealed
  // rows) must outlive the reader.
  PgLogReader(std::string uri, PgConnectOptions connect,
              StoredDecisionDecoder& decoder, int max_idle = 8);

  // The DecisionLog methods of the same names, with their contract.
  absl::StatusOr<StoredDecision> GetDecision(const std::string& decision_id,
                                             const ShopScope& scope);
  absl::StatusOr<DecisionPage> ListDecisions(const DecisionFilter& filter);
  absl::StatusOr<std::string> GetBundleText(const std::string& version);

 private:
  // Returns a connection to the pool when destroyed, unless it failed.
  class Lease;

  absl::StatusOr<Lease> Acquire();
  void Release(std::unique_ptr<PgConnection> db);
  // The StoredDecision of row `row` of a result selected with
  // kPgStoredColumns.
  absl::StatusOr<StoredDecision> ReadStoredRow(PgConnection& db,
                                               const PgResult& result, int row);

  const std::string uri_;
  const PgConnectOptions connect_;
  StoredDecisionDecoder& decoder_;
  const int max_idle_;

  absl::Mutex mu_;
  std::vector<std::unique_ptr<PgConnection>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace refund::server

#endif  // SERVER_LOG_POSTGRES_PG_LOG_READER_H_

// The reads of the SQLite decision log (GetDecision, ListDecisions,
// GetBundleText), on a small pool of read-only connections, so that they
// never wait for the writer (WAL) nor for each other.
//
// Thread-safe.
#ifndef SERVER_LOG_SQLITE_SQLITE_LOG_READER_H_
#define SERVER_LOG_SQLITE_SQLITE_LOG_READER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/log/decision_log.h"
#include "server/log/log_health.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_decision_dictionaries.h"
#include "server/log/stored_decision_decoder.h"

namespace refund::server {

struct SqliteReaderSettings {
  // Open the file read-only (an audit copy) rather than read-write with
  // query_only set.
  bool read_only = false;
  int busy_timeout_ms = 5000;
  // Idle connections kept open.
  int max_idle_readers = 8;
};

class SqliteLogReader {
 public:
  // Reads the log at `path`. `codec_sql` is DecisionCodecSql of the file,
  // `key_id_sql` its KeyIdSql; `decoder` (shared with the writer; its
  // keyring unseals sealed rows) must outlive the reader. A sealed row whose
  // key the decoder lacks reads as FAILED_PRECONDITION (`row seq 12 is
  // encrypted with key "2026-12", which the key file does not hold`); one
  // that does not authenticate as DATA_LOSS. A corrupt
  // page met by a read is reported to `health` (may be null), which must
  // outlive the reader.
  SqliteLogReader(std::string path, SqliteReaderSettings settings,
                  const std::string& codec_sql, const std::string& key_id_sql,
                  StoredDecisionDecoder& decoder, LogHealthState* health);

  // The DecisionLog methods of the same names, with their contract.
  absl::StatusOr<StoredDecision> GetDecision(const std::string& decision_id,
                                             const ShopScope& scope);
  absl::StatusOr<DecisionPage> ListDecisions(const DecisionFilter& filter);
  absl::StatusOr<std::string> GetBundleText(const std::string& version);

 private:
  // Returns a read connection to the pool when destroyed.
  class Lease;

  absl::StatusOr<Lease> Acquire();
  void Release(std::unique_ptr<SqliteConnection> db);
  // `result`, after telling health_ when it is SQLite's DATA_LOSS (a
  // corrupt page).
  template <typename T>
  T Watch(T result);
  // A StoredDecision from a row of `stored_columns_` read through `db`.
  absl::StatusOr<StoredDecision> ReadStoredRow(SqliteConnection& db,
                                               const SqliteStatement& stmt);

  const std::string path_;
  const SqliteReaderSettings settings_;
  // The SELECT list of a StoredDecision (ReadStoredRow).
  const std::string stored_columns_;
  StoredDecisionDecoder& decoder_;
  LogHealthState* const health_;

  absl::Mutex mu_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_SQLITE_LOG_READER_H_

// The shared decision log: one PostgreSQL database that several replicas of
// refund-server write at once (docs/decision_log_format.md, PostgreSQL).
//
// Each replica has one writer connection (BatchedLogWriter's thread, what a
// batch writes: pg_batch_writer.h), a small pool of read connections
// (pg_log_reader.h), and opens a connection per snapshot (pg_log_snapshot.h).
// The tables are created or migrated at Open (pg_schema.h).
//
// Every guarantee of the SQLite store holds across replicas: an append is
// answered only after its transaction committed with synchronous_commit on;
// one request_id stores one decision whichever replicas it is sent to
// (unique constraints); the rows of every replica form one hash chain, kept
// in seq order by the chain head's row lock; decisions are compressed with
// their bundle's dictionary and sealed with the keyring as in SQLite.
//
// Health: NOT serving while batches fail or the server cannot be reached;
// the writer reconnects by itself (backoff 100 ms to 5 s, probing every
// 250 ms while idle) and serves again once it can write; for good (until a
// restart) when, at Open, the chain head does not name the last row.
#ifndef SERVER_LOG_POSTGRES_POSTGRES_DECISION_LOG_H_
#define SERVER_LOG_POSTGRES_POSTGRES_DECISION_LOG_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/log/batched_log_writer.h"
#include "server/log/decision_log.h"
#include "server/log/log_health.h"
#include "server/log/log_keyring.h"
#include "server/log/log_writer_observer.h"
#include "server/log/postgres/pg_connection.h"
#include "server/log/postgres/pg_log_reader.h"
#include "server/log/stored_decision_decoder.h"

namespace refund::server {

struct PostgresDecisionLogOptions {
  // Most writes committed in one transaction.
  int max_batch = 512;
  // Reads only (audit tools): nothing is created, migrated or written;
  // Append and PutBundle answer FAILED_PRECONDITION.
  bool read_only = false;
  // The keys of sealed rows (server/log/log_keyring.h); null: none. With a
  // keyring, new rows are sealed with its current key.
  std::shared_ptr<const LogKeyring> keyring;
  // Told the write queue's depth and each batch's outcome (borrowed, must
  // outlive the log; null: none). Read-only logs ignore it.
  LogWriterObserver* writer_observer = nullptr;
  // How often the writer tries the database again while it cannot write.
  absl::Duration probe_interval = absl::Milliseconds(250);
  PgConnectOptions connect;
};

class PostgresDecisionLog final : public DecisionLog {
 public:
  // Connects to the database at the libpq URI `uri` (the password from
  // PGPASSFILE or PGPASSWORD, TLS as libpq's sslmode/sslrootcert say),
  // creates or migrates its tables, checks the role's privileges and the
  // keys of sealed rows, and starts the writer. INVALID_ARGUMENT for a URI
  // libpq cannot parse; UNAVAILABLE when the server cannot be reached;
  // PERMISSION_DENIED when the role may not log in or lacks a privilege (the
  // message names it); FAILED_PRECONDITION for a schema newer than this
  // build, or rows sealed with keys the keyring does not hold.
  static absl::StatusOr<std::unique_ptr<PostgresDecisionLog>> Open(
      const std::string& uri, const PostgresDecisionLogOptions& options = {});

  // Close()s.
  ~PostgresDecisionLog() override;

  void Append(DecisionLogEntry entry, AppendCallback done) override;
  absl::Status PutBundle(const std::string& version, const std::string& name,
                         const std::string& canonical_text,
                         const std::string& decision_dictionary) override;
  using DecisionLog::GetDecision;
  absl::StatusOr<StoredDecision> GetDecision(const std::string& decision_id,
                                             const ShopScope& scope) override;
  absl::StatusOr<DecisionPage> ListDecisions(
      const DecisionFilter& filter) override;
  absl::StatusOr<std::string> GetBundleText(
      const std::string& version) override;
  absl::StatusOr<std::unique_ptr<LogSnapshot>> OpenSnapshot() override;
  // The head after this replica's last committed batch (rows of other
  // replicas before it included); a read-only log reads the chain_head row.
  absl::StatusOr<ChainHead> CommittedHead() override;
  LogHealth Health() override;
  void Close() override;

 private:
  PostgresDecisionLog(std::string uri, PostgresDecisionLogOptions options,
                      std::unique_ptr<StoredDecisionDecoder> decoder);

  const std::string uri_;
  const PostgresDecisionLogOptions options_;
  const std::unique_ptr<StoredDecisionDecoder> decoder_;
  PgLogReader reader_;
  LogHealthState health_;
  // Null in a read-only log.
  std::unique_ptr<BatchedLogWriter> writer_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_POSTGRES_POSTGRES_DECISION_LOG_H_

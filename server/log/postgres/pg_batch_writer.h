// What one batch of the PostgreSQL decision log writes, in one transaction
// on the replica's one writer connection, in two round trips (libpq's
// pipeline mode):
//   1. BEGIN; the bundles of the batch; the chain_head row, locked
//      (SELECT ... FOR UPDATE); the stored rows with the batch's request or
//      decision ids; the dictionaries of bundle versions not met before.
//   2. the new decisions and their rule ids (multi-row INSERTs), the key id
//      of sealed rows, the chain head; COMMIT.
// The chain_head lock serialises the writers of every replica: a batch
// links its rows onto the head it read under the lock, so the log is one
// chain with no gaps in seq whatever the number of replicas; its cost is
// that replicas commit one after the other (BUILD_NOTES.md measures it).
// Idempotency holds across replicas: the unique constraints on request_id
// and decision_id are the guarantee; the read of the batch's ids under the
// lock is what lets a batch answer a retry with the stored decision (a
// writer that does not take the lock would meet the constraint and fail its
// batch, never store a second row).
//
// Durability: the session runs with synchronous_commit = on, so COMMIT
// returns only when the commit is flushed to PostgreSQL's WAL. A connection
// lost during COMMIT leaves its outcome unknown: the batch answers
// UNAVAILABLE and may be found stored, whole (decision_log.h).
//
// Connection: a failed batch drops its connection; the next batch or Probe
// reconnects, no sooner than a backoff (100 ms doubling to 5 s, reset by a
// success) after the last failed attempt; meanwhile batches answer
// UNAVAILABLE at once. No threads: the writer thread of BatchedLogWriter is
// the only caller.
#ifndef SERVER_LOG_POSTGRES_PG_BATCH_WRITER_H_
#define SERVER_LOG_POSTGRES_PG_BATCH_WRITER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/log/batched_log_writer.h"
#include "server/log/decision_codec.h"
#include "server/log/hash_chain.h"
#include "server/log/log_write.h"
#include "server/log/postgres/pg_connection.h"
#include "server/log/stored_decision_decoder.h"

namespace refund::server {

struct PgWriterSettings {
  // The libpq URI of the database.
  std::string uri;
  PgConnectOptions connect;
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  // A statement (the chain head's lock included) that waits longer fails the
  // batch (UNAVAILABLE) instead of stalling every Decide behind it.
  absl::Duration statement_timeout = absl::Seconds(10);
};

class PgBatchWriter final : public LogBatchStore {
 public:
  // Connects and reads the chain head. `decoder` (its keyring, if any,
  // seals new rows) must outlive the writer. The connection's errors;
  // DATA_LOSS when the chain_head row is missing.
  static absl::StatusOr<std::unique_ptr<PgBatchWriter>> Create(
      PgWriterSettings settings, StoredDecisionDecoder& decoder);

  absl::Status Write(
      std::vector<LogWrite>& writes,
      std::vector<absl::StatusOr<std::string>>* outcomes) override;
  ChainHead head() const override { return head_; }
  // Reconnects (after the backoff) and runs a trivial query.
  absl::Status Probe() override;

 private:
  PgBatchWriter(PgWriterSettings settings, StoredDecisionDecoder& decoder)
      : settings_(std::move(settings)), decoder_(decoder) {}

  // A live connection, made now if there is none and the backoff allows.
  absl::Status EnsureConnected();
  absl::Status WriteInTransaction(
      std::vector<LogWrite>& writes,
      std::vector<absl::StatusOr<std::string>>* outcomes, ChainHead* head);

  const PgWriterSettings settings_;
  StoredDecisionDecoder& decoder_;
  std::unique_ptr<PgConnection> db_;
  ChainHead head_;
  absl::Duration backoff_ = absl::ZeroDuration();
  absl::Time next_attempt_ = absl::InfinitePast();
  std::string last_connect_error_;
  // Bundle versions known to be stored (committed), each with the
  // compressor of its dictionary or null (decisions stored plain).
  absl::flat_hash_map<std::string, std::unique_ptr<DecisionCompressor>>
      stored_bundles_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_POSTGRES_PG_BATCH_WRITER_H_

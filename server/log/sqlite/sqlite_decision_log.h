// The embedded decision log: one SQLite file in WAL mode.
//
// Durability: `synchronous=FULL`, so a COMMIT returns only after the WAL is
// fsynced; Append's callback runs only after the COMMIT of the batch holding
// its entry returned OK. A failed batch is rolled back and every entry in it
// answers UNAVAILABLE. A killed process or a power loss loses only
// unacknowledged entries (SQLite's WAL recovery), never a committed one, and
// never leaves a torn row; a batch whose COMMIT failed at the WAL's sync may
// come back after a crash, whole (decision_log.h). Tested under injected
// faults and power cuts: tests/server/log/sqlite/fault_injection_test.cc.
//
// Batching (server/log/batched_log_writer.h): one writer thread owns the
// only write connection. It takes everything queued (up to `max_batch`
// jobs) and stores it in one BEGIN IMMEDIATE ... COMMIT, so that one fsync
// covers many decisions under load while a lone request still commits at
// once.
//
// Compression: a decision whose bundle version was stored with a decision
// dictionary is kept as a zstd frame made with it (server/log/decision_codec.h;
// about a tenth of its bytes), others as they are; the row's decision_codec
// says which. Every read gives the decision's bytes back exactly.
//
// Encryption at rest: with a keyring (options.keyring), each row's request
// and compressed decision are sealed with AES-256-GCM (server/log/
// blob_cipher.h) and the row names its key (key_id); the row hash covers the
// plaintext, so sealing, rotating or removing keys (`refundctl rekey`)
// never touches the chain. Open refuses (FAILED_PRECONDITION naming them) a
// log whose rows are sealed with keys the keyring does not hold, or any
// sealed rows when no keyring is given.
//
// Hash chain (server/log/hash_chain.h): the writer keeps the chain's head in
// memory, read at Open, links each row to it, and restores it when a batch
// fails. Each batch also updates the chain head (table
// chain_head: last seq and row_hash) before its COMMIT, so that deleting the
// last rows is detectable (server/log/log_verifier.h).
//
// Health (DecisionLog::Health): NOT serving while batches fail (until the
// next commit succeeds), and for good when the file at `path` is no longer
// the one written (checked before each COMMIT), a read or write meets a
// corrupt page, or, at Open, the chain head does not name the last row (or
// `quick_check_at_open` finds a problem); then every Append answers
// UNAVAILABLE without being tried.
//
// Files: a new directory is made 0700 and a new database file 0600 (SQLite
// gives its -wal and -shm files the database file's mode): the log holds
// buyer data.
//
// Reads (GetDecision, ListDecisions, GetBundleText) use a small pool of
// read-only connections, so they never wait for the writer (WAL).
//
// Parts: this file runs the threads (writer, answers, checkpointer) and the
// queue; what a batch writes is sqlite_batch_writer.h, the reads
// sqlite_log_reader.h, the tables sqlite_schema.h.
#ifndef SERVER_LOG_SQLITE_SQLITE_DECISION_LOG_H_
#define SERVER_LOG_SQLITE_SQLITE_DECISION_LOG_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "server/log/batched_log_writer.h"
#include "server/log/decision_log.h"
#include "server/log/log_health.h"
#include "server/log/log_keyring.h"
#include "server/log/log_writer_observer.h"
#include "server/log/sqlite/log_file_lock.h"
#include "server/log/sqlite/sqlite_batch_writer.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_decision_dictionaries.h"
#include "server/log/sqlite/sqlite_log_reader.h"
#include "server/log/sqlite/sqlite_schema.h"
#include "server/log/stored_decision_decoder.h"

namespace refund::server {

struct SqliteDecisionLogOptions {
  // Most jobs (appends, bundle puts) committed in one transaction.
  int max_batch = 512;
  // When > 0, the database may not grow beyond this many pages (SQLite's
  // `max_page_count`); appends beyond it fail with UNAVAILABLE, as on a full
  // disk. 0 keeps SQLite's limit.
  int64_t max_page_count = 0;
  // Appends are refused (UNAVAILABLE, health NOT serving) while the file
  // system holding the log has less free space than this, so that a full
  // disk is met with room left for the WAL (docs/decision_log_format.md says
  // how much it needs). 0: no floor.
  int64_t min_free_bytes = 0;
  // Modes of the database file and of directories Open creates.
  int file_mode = 0600;
  int directory_mode = 0700;
  // Runs PRAGMA quick_check at Open (reads every page: seconds per GB).
  bool quick_check_at_open = false;
  // How long a statement waits for a lock held by another process.
  int busy_timeout_ms = 5000;
  // Idle read connections kept open.
  int max_idle_readers = 8;
  // Reads only (audit tools on a copy of a log): no writer thread, no
  // migration, the file is never written; Append and PutBundle answer
  // FAILED_PRECONDITION. The file must exist with the current schema.
  bool read_only = false;
  // The writer never checkpoints the WAL itself (a checkpoint copies the WAL
  // into the database file and syncs it, stalling every decision waiting for
  // the next commit); a checkpointer thread with its own connection runs a
  // PASSIVE checkpoint after this many committed appends, concurrently with
  // the writer.
  int checkpoint_every = 256;
  // SQLite starts the WAL over only when the writer begins a transaction
  // with the whole WAL checkpointed, which a busy writer next to a passive
  // checkpointer never sees; so when the WAL is above this many pages, the
  // writer itself runs a RESTART checkpoint between two batches (copying
  // only what the last passive one left), bounding the file.
  int64_t wal_limit_pages = 16384;
  // The keys of sealed rows (server/log/log_keyring.h); null: none. With a
  // keyring, every new row's request and decision are sealed with its
  // current key; reads unseal with whichever key a row names.
  std::shared_ptr<const LogKeyring> keyring;
  // Told the write queue's depth and each batch's outcome (borrowed, must
  // outlive the log; null: none). Read-only logs ignore it.
  LogWriterObserver* writer_observer = nullptr;
};

class SqliteDecisionLog final : public DecisionLog {
 public:
  // The schema this code writes (PRAGMA user_version).
  static constexpr int kSchemaVersion = kSqliteSchemaVersion;

  // Opens (creating the file and any missing directories) and migrates the
  // database at `path`, then starts the writer thread. UNAVAILABLE when the
  // file cannot be opened or set up; FAILED_PRECONDITION when another
  // process writes it (server/log/sqlite/log_file_lock.h; not checked
  // read-only), when it was written by a newer schema version, or holds rows
  // sealed with a key that options.keyring does not hold (or any sealed row,
  // without a keyring).
  static absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> Open(
      const std::string& path, const SqliteDecisionLogOptions& options = {});

  // Close()s.
  ~SqliteDecisionLog() override;

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
  // A SqliteLogSnapshot of this log's file (its own read connection).
  absl::StatusOr<std::unique_ptr<LogSnapshot>> OpenSnapshot() override;
  // The writer's head after its last committed batch; a read-only log
  // reads the file's chain_head table.
  absl::StatusOr<ChainHead> CommittedHead() override;
  LogHealth Health() override;
  void Close() override;

 private:
  // The writer's batches (SqliteBatchWriter), with the WAL's upkeep
  // between them.
  class BatchStore;

  SqliteDecisionLog(std::optional<LogFileLock> file_lock, std::string path,
                    SqliteDecisionLogOptions options,
                    std::unique_ptr<StoredDecisionDecoder> decoder,
                    std::unique_ptr<SqliteBatchWriter> writer,
                    std::unique_ptr<SqliteConnection> checkpointer,
                    const std::string& codec_sql,
                    const std::string& key_id_sql);

  // Checkpoints the WAL through `checkpointer` when the writer asks.
  void CheckpointLoop(std::unique_ptr<SqliteConnection> checkpointer);
  bool CheckpointDueOrClosing() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(ckpt_mu_);

  // Held while the log is open for writing: released by Close(), once
  // nothing more is written (first, so a log destroyed without Close()
  // releases it last).
  std::optional<LogFileLock> file_lock_ ABSL_GUARDED_BY(close_mu_);
  const std::string path_;
  const SqliteDecisionLogOptions options_;
  // Decompresses stored decisions for the writer and the readers.
  const std::unique_ptr<StoredDecisionDecoder> decoder_;
  SqliteLogReader reader_;
  // Written by the writer thread (batches) and by readers (a corrupt page).
  LogHealthState health_;
  // The queue, the writer and answer threads; null in a read-only log.
  std::unique_ptr<BatchedLogWriter> writer_;

  // Appends committed since the last checkpoint, counted by the writer.
  absl::Mutex ckpt_mu_;
  int64_t uncheckpointed_ ABSL_GUARDED_BY(ckpt_mu_) = 0;
  bool ckpt_closing_ ABSL_GUARDED_BY(ckpt_mu_) = false;
  // Set by the checkpointer: the writer restarts the WAL before its next
  // batch.
  std::atomic<bool> restart_wal_{false};

  // Serializes Close() (closes the writer, then joins the checkpointer,
  // once).
  absl::Mutex close_mu_;
  std::thread checkpoint_thread_ ABSL_GUARDED_BY(close_mu_);
};

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_SQLITE_DECISION_LOG_H_

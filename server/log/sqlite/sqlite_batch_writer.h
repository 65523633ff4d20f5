// What one batch of the SQLite decision log writes, in one transaction: the
// decisions' rows linked into the hash chain, their rule ids, the chain
// head, and bundle versions. No threads: SqliteDecisionLog's writer thread
// is the only caller.
//
// Sealing: when the decoder has a keyring (server/log/log_keyring.h), each
// row's request and (compressed) decision are sealed with its current key
// and the row names it (key_id); the row hash still covers the plaintext.
//
// Durability is the connection's: ConfigureWriterConnection sets
// synchronous=FULL, so Write returns only after the COMMIT (and the WAL's
// fsync) succeeded, or after the whole batch was rolled back.
//
// The chain (server/log/hash_chain.h) is kept in memory, read from the last
// row at Create; a batch that fails restores it to where the batch began,
// so the next batch links onto the last committed row.
#ifndef SERVER_LOG_SQLITE_SQLITE_BATCH_WRITER_H_
#define SERVER_LOG_SQLITE_SQLITE_BATCH_WRITER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/log/decision_codec.h"
#include "server/log/hash_chain.h"
#include "server/log/log_entry.h"
#include "server/log/log_write.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_decision_dictionaries.h"
#include "server/log/stored_decision_decoder.h"

namespace refund::server {

struct SqliteWriterSettings {
  int busy_timeout_ms = 5000;
  // SQLite's max_page_count when > 0 (a full "disk").
  int64_t max_page_count = 0;
  // The database file (its file system's free space is checked).
  std::string path;
  // A batch is refused (UNAVAILABLE) while the file system holding `path`
  // has less free space than this: a full disk is met before SQLite is
  // left without room for its WAL. 0: no floor.
  int64_t min_free_bytes = 0;
};

// Sets up the writer's connection: busy timeout, WAL, synchronous=FULL, a
// larger page cache, no automatic checkpoints. UNAVAILABLE when WAL mode
// cannot be used.
absl::Status ConfigureWriterConnection(SqliteConnection& db,
                                       const SqliteWriterSettings& settings);

class SqliteBatchWriter {
 public:
  // Prepares the statements on `db` (configured, with the current schema)
  // and reads the chain's end from the last row. `decoder` (shared with the
  // readers; its keyring, if any, seals new rows) must outlive the writer.
  // DATA_LOSS when the last row's hash is malformed.
  static absl::StatusOr<std::unique_ptr<SqliteBatchWriter>> Create(
      std::unique_ptr<SqliteConnection> db, StoredDecisionDecoder& decoder,
      SqliteWriterSettings settings);

  // DATA_LOSS when the chain_head table does not name the last row (the log
  // was cut or altered at its end while the server was down).
  absl::Status CheckChainHead();

  // Stores `writes` in one transaction. `outcomes` gets one per write: for
  // an append, the decision bytes to answer with (moved out of the entry),
  // or the entry's own refusal (INVALID_ARGUMENT: an empty request_id or
  // decision_id; FAILED_PRECONDITION: its bundle version was not stored;
  // ALREADY_EXISTS: its request_id was decided for another request, or its
  // decision_id is taken; DATA_LOSS: the stored decision of an identical
  // retry does not read back); for a bundle, an empty string. When storing
  // or committing fails, nothing of the batch is kept and every outcome is
  // UNAVAILABLE. Returns OK when the batch committed; otherwise why not:
  // DATA_LOSS when the store must not be written any more (the file was
  // moved or deleted: checked before each COMMIT; a
  // corrupt page),
  // UNAVAILABLE for a failure that may pass (full disk, free space below
  // the floor, I/O error).
  absl::Status Write(std::vector<LogWrite>& writes,
                     std::vector<absl::StatusOr<std::string>>* outcomes);

  // The chain's head: the last row stored (by a committed batch, between
  // two Writes).
  ChainHead head() const { return chain_.head(); }

  // A RESTART checkpoint, outside any transaction, to start the WAL over.
  // Never waits: a reader on an old snapshot (a long verify) makes it fail
  // at once, which only leaves the WAL longer; waiting would stall every
  // Decide behind the reader.
  void RestartWal();

  SqliteBatchWriter(const SqliteBatchWriter&) = delete;
  SqliteBatchWriter& operator=(const SqliteBatchWriter&) = delete;

 private:
  struct Statements {
    SqliteStatement find_request;
    SqliteStatement insert_decision;
    SqliteStatement insert_bundle;
    SqliteStatement add_dictionary;
    SqliteStatement find_bundle;
    SqliteStatement update_head;
    SqliteStatement record_key_id;
  };

  SqliteBatchWriter(std::unique_ptr<SqliteConnection> db, Statements statements,
                    ChainHead head, StoredDecisionDecoder& decoder,
                    SqliteWriterSettings settings);

  // UNAVAILABLE when the free space is below settings_.min_free_bytes.
  absl::Status CheckFreeSpace() const;
  // DATA_LOSS when the file at settings_.path is no longer the one written.
  absl::Status CheckNotMoved();

  static absl::StatusOr<Statements> Prepare(SqliteConnection& db);

  // Stores one entry inside the open transaction. A non-OK return is a
  // storage failure that fails the whole batch; otherwise `outcome` is the
  // entry's own answer.
  absl::Status StoreEntry(DecisionLogEntry& entry,
                          absl::StatusOr<std::string>* outcome);
  absl::Status StoreBundle(const BundleWrite& bundle);
  // The outcome of an entry whose insert hit a unique constraint: the stored
  // decision for an identical retry, ALREADY_EXISTS otherwise.
  absl::Status AnswerDuplicate(const DecisionLogEntry& entry,
                               absl::StatusOr<std::string>* outcome);
  // The decision_rules rows of one decision (each rule id once).
  absl::Status InsertRules(int64_t seq,
                           const std::vector<std::string>& rule_ids);
  // Writes the chain's head to the chain_head table, inside the open
  // transaction.
  absl::Status UpdateChainHead();
  // Lists `key_id` in blob_key_ids, once per batch (inside its
  // transaction, so that a rekey that removed it meanwhile cannot leave a
  // sealed row with an unlisted key).
  absl::Status RecordKeyId(const std::string& key_id);

  std::unique_ptr<SqliteConnection> db_;
  const SqliteWriterSettings settings_;
  Statements statements_;
  StoredDecisionDecoder& decoder_;
  HashChain chain_;
  // Whether the open batch has listed the current key id.
  bool key_id_recorded_ = false;
  // Multi-row inserts into decision_rules by row count, prepared on first
  // use.
  static constexpr size_t kRulesPerStatement = 16;
  std::unique_ptr<SqliteStatement> insert_rules_[kRulesPerStatement + 1];
  // Bundle versions known to be stored (committed, or earlier in the open
  // transaction: cleared when a batch fails), each with the compressor of
  // its decision dictionary, or null when it has none (decisions stored
  // plain).
  absl::flat_hash_map<std::string, std::unique_ptr<DecisionCompressor>>
      stored_bundles_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_SQLITE_BATCH_WRITER_H_

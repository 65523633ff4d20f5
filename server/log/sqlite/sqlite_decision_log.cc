#include "server/log/sqlite/sqlite_decision_log.h"

#include <malloc.h>
#include <pthread.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/base/status_macros.h"
#include "server/log/decision_codec.h"
#include "server/log/page_token.h"
#include "server/log/row_hash.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"
#include "server/log/sqlite/sqlite_schema.h"
#include "server/log/sqlite/wal_write_combining_vfs.h"

namespace refund::server {
namespace {

absl::Status ConfigureWriter(SqliteConnection& db,
                             const SqliteDecisionLogOptions& options) {
  RETURN_IF_ERROR(db.Execute(
      absl::StrCat("PRAGMA busy_timeout = ", options.busy_timeout_ms)));
  ASSIGN_OR_RETURN(std::string mode, db.QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return absl::UnavailableError(
        absl::StrCat("decision log: cannot use WAL mode (got ", mode, ")"));
  }
  RETURN_IF_ERROR(db.Execute("PRAGMA synchronous = FULL"));
  // Foreign keys are not enforced: each would cost a lookup per inserted
  // row. The writer checks the one that can fail (a decision's bundle
  // version must be stored) itself, once per version (StoreEntry); a
  // decision_rules row always refers to the decision inserted just before.
  // 16 MiB of page cache (SQLite's default is 2 MiB): the indexes' pages
  // stay cached instead of being read back for every insert.
  RETURN_IF_ERROR(db.Execute("PRAGMA cache_size = -16384"));
  // Checkpoints run on the checkpointer thread (CheckpointLoop).
  RETURN_IF_ERROR(db.Execute("PRAGMA wal_autocheckpoint = 0"));
  if (options.max_page_count > 0) {
    RETURN_IF_ERROR(db.QueryInt64(absl::StrCat("PRAGMA max_page_count = ",
                                               options.max_page_count))
                        .status());
  }
  return absl::OkStatus();
}

// The chain's head as the rows say (the last row), not as the chain_head
// table does: the writer links to the last row that is there.
absl::StatusOr<ChainHead> ReadChainEnd(SqliteConnection& db) {
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db.Prepare("SELECT seq, row_hash FROM decisions "
                              "ORDER BY seq DESC LIMIT 1"));
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return HashChain().head();
  ChainHead end{stmt.ColumnInt64(0), stmt.ColumnBytes(1)};
  if (end.last_hash.size() != kSha256Size) {
    return absl::DataLossError("decision log: last row_hash is malformed");
  }
  return end;
}

// Resets a statement when leaving a scope, so that no statement keeps a
// read transaction open or bindings alive, on any path.
class ResetOnExit {
 public:
  explicit ResetOnExit(SqliteStatement& stmt) : stmt_(stmt) {}
  ~ResetOnExit() { stmt_.Reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  SqliteStatement& stmt_;
};

// Columns: seq, decision, codec, request, bundle_version, then
// kRowColumnsSql. `codec_sql` from DecisionCodecSql.
std::string StoredColumns(absl::string_view codec_sql) {
  return absl::StrCat("seq, decision, ", codec_sql,
                      ", request, bundle_version, ", kRowColumnsSql);
}

// A compressor per bundle version, but not for every version a long-running
// server ever loaded: beyond this many, the writer forgets them all and
// reads back those it still meets.
constexpr size_t kMaxWriterCompressors = 8;

}  // namespace

absl::StatusOr<StoredDecision> SqliteDecisionLog::ReadStoredRow(
    SqliteConnection& db, const SqliteStatement& stmt) {
  StoredDecision stored;
  stored.seq = stmt.ColumnInt64(0);
  stored.bundle_version = stmt.ColumnBytes(4);
  absl::StatusOr<std::string> decision = decoder_.Decode(
      db, stmt.ColumnInt64(2), stored.bundle_version, stmt.ColumnBytes(1));
  if (!decision.ok() || !stored.decision.ParseFromString(*decision)) {
    return absl::DataLossError(absl::StrCat(
        "decision log: stored decision at seq ", stored.seq, " is corrupt",
        decision.ok() ? "" : ": ", decision.status().message()));
  }
  stored.decision_bytes = *std::move(decision);
  stored.request_bytes = stmt.ColumnBytes(3);
  stored.row = ReadRowColumns(stmt, 5);
  return stored;
}

namespace {}  // namespace

// A read connection borrowed from the pool; returned when destroyed.
class SqliteDecisionLog::ReaderLease {
 public:
  ReaderLease(SqliteDecisionLog* log, std::unique_ptr<SqliteConnection> db)
      : log_(log), db_(std::move(db)) {}
  ReaderLease(ReaderLease&& other) = default;
  ReaderLease& operator=(ReaderLease&&) = delete;
  ~ReaderLease() {
    if (db_ != nullptr) log_->ReleaseReader(std::move(db_));
  }
  SqliteConnection& db() { return *db_; }

 private:
  SqliteDecisionLog* log_;
  std::unique_ptr<SqliteConnection> db_;
};

absl::StatusOr<SqliteDecisionLog::WriterStatements>
SqliteDecisionLog::PrepareWriterStatements(SqliteConnection& db) {
  ASSIGN_OR_RETURN(
      SqliteStatement find_request,
      db.Prepare("SELECT request, decision, decision_codec, bundle_version "
                 "FROM decisions WHERE request_id = ?1"));
  ASSIGN_OR_RETURN(
      SqliteStatement insert_decision,
      db.Prepare(
          "INSERT INTO decisions (decision_id, request_id, refund_id, "
          "shop_id, verdict, decided_at, bundle_version, request, decision, "
          "request_sha256, prev_hash, row_hash, decision_codec, seq) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
          "?14)"));
  ASSIGN_OR_RETURN(SqliteStatement insert_bundle,
                   db.Prepare("INSERT OR IGNORE INTO bundles "
                              "(version, name, text, stored_at) "
                              "VALUES (?1, ?2, ?3, ?4)"));
  // A version stored without a dictionary (by an older build) gets one; a
  // stored dictionary is never replaced, or the rows compressed with it
  // could no longer be read.
  ASSIGN_OR_RETURN(SqliteStatement add_dictionary,
                   db.Prepare("INSERT OR IGNORE INTO decision_dictionaries "
                              "(version, dictionary) VALUES (?1, ?2)"));
  // The version's dictionary, when it has one (NULL otherwise).
  ASSIGN_OR_RETURN(
      SqliteStatement find_bundle,
      db.Prepare("SELECT (SELECT dictionary FROM decision_dictionaries d "
                 "WHERE d.version = b.version) FROM bundles b "
                 "WHERE b.version = ?1"));
  ASSIGN_OR_RETURN(SqliteStatement update_head,
                   db.Prepare("UPDATE chain_head SET last_seq = ?1, "
                              "last_hash = ?2 WHERE id = 1"));
  return WriterStatements{std::move(find_request),  std::move(insert_decision),
                          std::move(insert_bundle), std::move(add_dictionary),
                          std::move(find_bundle),   std::move(update_head)};
}

absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> SqliteDecisionLog::Open(
    const std::string& path, const SqliteDecisionLogOptions& options) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) {
      return absl::UnavailableError(
          absl::StrCat("decision log: cannot create directory ",
                       parent.string(), ": ", error.message()));
    }
  }
  // The writer syncs every commit (synchronous=FULL) and every checkpoint,
  // so its writes may be gathered
  // (server/log/sqlite/wal_write_combining_vfs.h).
  ASSIGN_OR_RETURN(
      std::unique_ptr<SqliteConnection> writer,
      SqliteConnection::Open(
          path,
          (options.read_only ? SQLITE_OPEN_READONLY
                             : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX,
          options.read_only ? nullptr : WalWriteCombiningVfs()));
  if (options.read_only) {
    RETURN_IF_ERROR(CheckReadableSchema(*writer));
  } else {
    RETURN_IF_ERROR(ConfigureWriter(*writer, options));
    RETURN_IF_ERROR(CreateOrMigrateSchema(*writer));
  }
  ASSIGN_OR_RETURN(ChainHead chain_end, ReadChainEnd(*writer));
  ASSIGN_OR_RETURN(std::string codec_sql, DecisionCodecSql(*writer));

  // A read-only log never writes, and an old file it reads may lack the
  // columns the writer's statements name.
  std::optional<WriterStatements> statements;
  if (!options.read_only) {
    ASSIGN_OR_RETURN(statements, PrepareWriterStatements(*writer));
  }
  std::unique_ptr<SqliteConnection> checkpointer;
  if (!options.read_only) {
    absl::StatusOr<std::unique_ptr<SqliteConnection>> opened =
        SqliteConnection::Open(path,
                               SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                               WalWriteCombiningVfs());
    if (!opened.ok()) return opened.status();
    checkpointer = *std::move(opened);
    RETURN_IF_ERROR(checkpointer->Execute(
        absl::StrCat("PRAGMA busy_timeout = ", options.busy_timeout_ms)));
  }
  return std::unique_ptr<SqliteDecisionLog>(new SqliteDecisionLog(
      path, options, std::move(writer), std::move(checkpointer),
      std::move(statements), std::move(chain_end), std::move(codec_sql)));
}

SqliteDecisionLog::SqliteDecisionLog(
    std::string path, SqliteDecisionLogOptions options,
    std::unique_ptr<SqliteConnection> writer,
    std::unique_ptr<SqliteConnection> checkpointer,
    std::optional<WriterStatements> statements, ChainHead head,
    std::string codec_sql)
    : path_(std::move(path)),
      options_(options),
      stored_columns_(StoredColumns(codec_sql)),
      writer_(std::move(writer)),
      statements_(std::move(statements)),
      chain_(std::move(head)) {
  // A read-only log (audit tools) has no writer and nothing to checkpoint.
  if (options_.read_only) return;
  // Named, so that `top -H` and profiles tell the log's threads apart.
  writer_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-writer");
    WriterLoop();
  });
  answer_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-answers");
    AnswerLoop();
  });
  checkpoint_thread_ =
      std::thread([this, db = std::move(checkpointer)]() mutable {
        pthread_setname_np(pthread_self(), "log-checkpoint");
        CheckpointLoop(std::move(db));
      });
}

SqliteDecisionLog::~SqliteDecisionLog() { Close(); }

void SqliteDecisionLog::Close() {
  absl::MutexLock close_lock(&close_mu_);
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  if (writer_thread_.joinable()) writer_thread_.join();
  // The writer has handed over every answer; the answerer runs them all.
  {
    absl::MutexLock lock(&answers_mu_);
    answers_closing_ = true;
  }
  if (answer_thread_.joinable()) answer_thread_.join();
  {
    absl::MutexLock lock(&ckpt_mu_);
    ckpt_closing_ = true;
  }
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
}

void SqliteDecisionLog::Append(DecisionLogEntry entry, AppendCallback done) {
  if (options_.read_only) {
    done(absl::FailedPreconditionError("decision log: opened read-only"));
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (!closing_) {
      queue_.push_back(AppendJob{std::move(entry), std::move(done)});
      return;
    }
  }
  done(absl::UnavailableError("decision log: closed"));
}

absl::Status SqliteDecisionLog::PutBundle(
    const std::string& version, const std::string& name,
    const std::string& canonical_text, const std::string& decision_dictionary) {
  if (options_.read_only) {
    return absl::FailedPreconditionError("decision log: opened read-only");
  }
  absl::Status status;
  absl::Notification done;
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return absl::UnavailableError("decision log: closed");
    queue_.push_back(BundleJob{version, name, canonical_text,
                               decision_dictionary, &status, &done});
  }
  done.WaitForNotification();
  return status;
}

bool SqliteDecisionLog::HasWorkOrClosing() const {
  return !queue_.empty() || closing_;
}

void SqliteDecisionLog::WriterLoop() {
  const size_t max_batch =
      static_cast<size_t>(options_.max_batch > 0 ? options_.max_batch : 1);
  for (;;) {
    std::vector<Job> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &SqliteDecisionLog::HasWorkOrClosing));
      // Closing with nothing left: everything queued before Close is stored.
      if (queue_.empty()) return;
      while (!queue_.empty() && batch.size() < max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
  }
}

void SqliteDecisionLog::CommitBatch(std::vector<Job>& batch) {
  if (restart_wal_.exchange(false, std::memory_order_relaxed)) {
    // Outside any transaction. A failure (a reader still on an old
    // snapshot) only leaves the WAL longer; the checkpointer asks again.
    writer_->Execute("PRAGMA wal_checkpoint(RESTART)").IgnoreError();
  }
  const ChainHead start = chain_.head();
  std::vector<absl::StatusOr<std::string>> outcomes(
      batch.size(), absl::InternalError("decision log: not processed"));

  absl::Status txn = writer_->Execute("BEGIN IMMEDIATE");
  for (size_t i = 0; txn.ok() && i < batch.size(); ++i) {
    if (auto* append = std::get_if<AppendJob>(&batch[i])) {
      txn = StoreEntry(append->entry, &outcomes[i]);
    } else {
      txn = StoreBundle(std::get<BundleJob>(batch[i]));
    }
  }
  if (txn.ok() && chain_.head().last_seq != start.last_seq) {
    txn = UpdateChainHead();
  }
  if (txn.ok()) txn = writer_->Execute("COMMIT");
  if (!txn.ok()) {
    // SQLite may already have rolled back (e.g. after SQLITE_FULL); roll back
    // what remains so that nothing of this batch is kept.
    if (writer_->InTransaction()) writer_->Execute("ROLLBACK").IgnoreError();
    chain_ = HashChain(start);
    // A bundle stored by this batch is gone again.
    stored_bundles_.clear();
    absl::Status failed = absl::UnavailableError(txn.message());
    for (auto& outcome : outcomes) outcome = failed;
    for (Job& job : batch) {
      if (auto* bundle = std::get_if<BundleJob>(&job)) *bundle->status = failed;
    }
  }

  if (txn.ok()) {
    absl::MutexLock lock(&ckpt_mu_);
    uncheckpointed_ += static_cast<int64_t>(batch.size());
  }
  // Only now, with the batch durable (or wholly rolled back), answer.
  absl::MutexLock lock(&answers_mu_);
  for (size_t i = 0; i < batch.size(); ++i) {
    if (auto* append = std::get_if<AppendJob>(&batch[i])) {
      answers_.emplace_back(std::move(append->done), std::move(outcomes[i]));
    } else {
      std::get<BundleJob>(batch[i]).done->Notify();
    }
  }
}

bool SqliteDecisionLog::HasAnswersOrClosing() const {
  return !answers_.empty() || answers_closing_;
}

void SqliteDecisionLog::AnswerLoop() {
  for (;;) {
    std::deque<std::pair<AppendCallback, absl::StatusOr<std::string>>> ready;
    {
      absl::MutexLock lock(&answers_mu_);
      answers_mu_.Await(
          absl::Condition(this, &SqliteDecisionLog::HasAnswersOrClosing));
      if (answers_.empty()) return;  // closing, everything answered
      ready.swap(answers_);
    }
    for (auto& [done, outcome] : ready) done(std::move(outcome));
  }
}

bool SqliteDecisionLog::CheckpointDueOrClosing() const {
  return uncheckpointed_ >= options_.checkpoint_every || ckpt_closing_;
}

void SqliteDecisionLog::CheckpointLoop(
    std::unique_ptr<SqliteConnection> checkpointer) {
  // Whether appends were committed since the process last returned its free
  // memory to the system.
  bool busy_since_trim = false;
  for (;;) {
    {
      absl::MutexLock lock(&ckpt_mu_);
      const bool due = ckpt_mu_.AwaitWithTimeout(
          absl::Condition(this, &SqliteDecisionLog::CheckpointDueOrClosing),
          absl::Seconds(2));
      if (ckpt_closing_) break;
      if (!due) {
        // Idle for a while after a burst: the memory freed by the decisions
        // of the burst sits in the malloc arenas of the threads that used
        // it; give it back, so that an idle server stays small.
        if (busy_since_trim || uncheckpointed_ > 0) malloc_trim(0);
        busy_since_trim = false;
        continue;
      }
      uncheckpointed_ = 0;
      busy_since_trim = true;
    }
    // PASSIVE copies what it can without waiting for the writer. Columns:
    // busy, WAL pages, pages checkpointed. A failure is retried next time:
    // the WAL only grows meanwhile, nothing committed is at risk.
    absl::StatusOr<SqliteStatement> passive =
        checkpointer->Prepare("PRAGMA wal_checkpoint(PASSIVE)");
    if (!passive.ok()) continue;
    absl::StatusOr<bool> row = passive->Step();
    if (!row.ok() || !*row) continue;
    const int64_t wal_pages = passive->ColumnInt64(1);
    passive->Reset();
    if (wal_pages > options_.wal_limit_pages) {
      restart_wal_.store(true, std::memory_order_relaxed);
    }
  }
  // Closing: leave the WAL checkpointed (the writer has stopped).
  checkpointer->Execute("PRAGMA wal_checkpoint(TRUNCATE)").IgnoreError();
}

absl::Status SqliteDecisionLog::StoreEntry(
    DecisionLogEntry& entry, absl::StatusOr<std::string>* outcome) {
  if (entry.request_id.empty() || entry.decision_id.empty()) {
    *outcome = absl::InvalidArgumentError(
        "decision log: an entry needs a request_id and a decision_id");
    return absl::OkStatus();
  }

  auto stored_bundle = stored_bundles_.find(entry.bundle_version);
  if (stored_bundle == stored_bundles_.end()) {
    SqliteStatement& find = statements_->find_bundle;
    ResetOnExit reset(find);
    find.BindText(1, entry.bundle_version);
    ASSIGN_OR_RETURN(bool found, find.Step());
    if (!found) {
      *outcome = absl::FailedPreconditionError(
          absl::StrCat("decision log: bundle version \"", entry.bundle_version,
                       "\" was not stored (PutBundle) before this decision"));
      return absl::OkStatus();
    }
    std::unique_ptr<DecisionCompressor> compressor;
    if (const std::string dictionary = find.ColumnBytes(0);
        !dictionary.empty()) {
      // Without a compressor (zstd could not allocate one) the decisions are
      // stored plain: slower, never lost.
      absl::StatusOr<std::unique_ptr<DecisionCompressor>> created =
          DecisionCompressor::Create(dictionary);
      if (created.ok()) compressor = *std::move(created);
    }
    if (stored_bundles_.size() >= kMaxWriterCompressors) {
      stored_bundles_.clear();
    }
    stored_bundle =
        stored_bundles_.emplace(entry.bundle_version, std::move(compressor))
            .first;
  }
  DecisionCompressor* const compressor = stored_bundle->second.get();

  const std::string& decision_bytes = entry.decision_bytes;
  const ChainLink link = chain_.Link(entry);
  // The hash covers the decision's bytes; the row may keep them compressed.
  absl::string_view stored_decision = decision_bytes;
  DecisionCodec codec = DecisionCodec::kPlain;
  if (compressor != nullptr) {
    absl::StatusOr<absl::string_view> frame =
        compressor->Compress(decision_bytes);
    if (frame.ok()) {
      stored_decision = *frame;
      codec = DecisionCodec::kZstdBundleDictionary;
    }
  }
  {
    SqliteStatement& insert = statements_->insert_decision;
    ResetOnExit reset(insert);
    insert.BindText(1, entry.decision_id);
    insert.BindText(2, entry.request_id);
    insert.BindText(3, entry.refund_id);
    insert.BindText(4, entry.shop_id);
    insert.BindInt64(5, static_cast<int64_t>(entry.verdict));
    insert.BindInt64(6, entry.decided_at_micros);
    insert.BindText(7, entry.bundle_version);
    insert.BindBlobBorrowed(8, entry.request_bytes);
    insert.BindBlobBorrowed(9, stored_decision);
    insert.BindBlob(10, Sha256(entry.request_bytes));
    insert.BindBlobBorrowed(11, link.prev_hash);
    insert.BindBlobBorrowed(12, link.row_hash);
    insert.BindInt64(13, static_cast<int64_t>(codec));
    insert.BindInt64(14, link.seq);
    absl::Status inserted = insert.Run();
    // A constraint failure undoes only this statement; the batch goes on.
    // Inserting first and looking only then spares every new decision a
    // search of the request_id index.
    if (absl::IsAlreadyExists(inserted)) {
      insert.Reset();
      return AnswerDuplicate(entry, outcome);
    }
    RETURN_IF_ERROR(inserted);
  }

  RETURN_IF_ERROR(InsertRules(link.seq, entry.rule_ids));
  chain_.Advance(link);
  *outcome = std::move(entry.decision_bytes);
  return absl::OkStatus();
}

absl::Status SqliteDecisionLog::AnswerDuplicate(
    const DecisionLogEntry& entry, absl::StatusOr<std::string>* outcome) {
  SqliteStatement& find = statements_->find_request;
  ResetOnExit reset(find);
  find.BindText(1, entry.request_id);
  ASSIGN_OR_RETURN(bool found, find.Step());
  if (!found) {
    *outcome = absl::AlreadyExistsError(absl::StrCat(
        "decision_id \"", entry.decision_id, "\" is already stored"));
    return absl::OkStatus();
  }
  if (find.ColumnBytes(0) != entry.request_bytes) {
    *outcome = absl::AlreadyExistsError(
        absl::StrCat("request_id \"", entry.request_id,
                     "\" was already decided for a different request"));
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> stored = decoder_.Decode(
      *writer_, find.ColumnInt64(2), find.ColumnBytes(3), find.ColumnBytes(1));
  if (v1::Decision parsed; !stored.ok() || !parsed.ParseFromString(*stored)) {
    *outcome = absl::DataLossError(
        absl::StrCat("decision log: stored decision for request_id \"",
                     entry.request_id, "\" is corrupt"));
    return absl::OkStatus();
  }
  *outcome = *std::move(stored);
  return absl::OkStatus();
}

absl::Status SqliteDecisionLog::InsertRules(
    int64_t seq, const std::vector<std::string>& rule_ids) {
  std::vector<absl::string_view> unique(rule_ids.begin(), rule_ids.end());
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  for (size_t begin = 0; begin < unique.size(); begin += kRulesPerStatement) {
    const size_t count = std::min(kRulesPerStatement, unique.size() - begin);
    std::unique_ptr<SqliteStatement>& insert = insert_rules_[count];
    if (insert == nullptr) {
      // INSERT ... VALUES (?1, ?2), (?1, ?3), ...: one statement per
      // decision instead of one per rule.
      std::string sql =
          "INSERT OR IGNORE INTO decision_rules (seq, rule_id) VALUES ";
      for (size_t i = 0; i < count; ++i) {
        absl::StrAppend(&sql, i == 0 ? "" : ", ", "(?1, ?", i + 2, ")");
      }
      ASSIGN_OR_RETURN(SqliteStatement prepared, writer_->Prepare(sql));
      insert = std::make_unique<SqliteStatement>(std::move(prepared));
    }
    ResetOnExit reset(*insert);
    insert->BindInt64(1, seq);
    for (size_t i = 0; i < count; ++i) {
      insert->BindText(static_cast<int>(i + 2), unique[begin + i]);
    }
    RETURN_IF_ERROR(insert->Run());
  }
  return absl::OkStatus();
}

absl::Status SqliteDecisionLog::UpdateChainHead() {
  SqliteStatement& update = statements_->update_head;
  ResetOnExit reset(update);
  update.BindInt64(1, chain_.head().last_seq);
  update.BindBlob(2, chain_.head().last_hash);
  return update.Run();
}

absl::Status SqliteDecisionLog::StoreBundle(const BundleJob& job) {
  SqliteStatement& insert = statements_->insert_bundle;
  ResetOnExit reset(insert);
  insert.BindText(1, job.version);
  insert.BindText(2, job.name);
  insert.BindText(3, job.text);
  insert.BindInt64(4, absl::ToUnixMicros(absl::Now()));
  RETURN_IF_ERROR(insert.Run());
  if (!job.decision_dictionary.empty()) {
    SqliteStatement& add = statements_->add_dictionary;
    ResetOnExit reset_add(add);
    add.BindText(1, job.version);
    add.BindBlobBorrowed(2, job.decision_dictionary);
    RETURN_IF_ERROR(add.Run());
    // Read the version's dictionary again on its next decision.
    stored_bundles_.erase(job.version);
  }
  *job.status = absl::OkStatus();
  return absl::OkStatus();
}

absl::StatusOr<SqliteDecisionLog::ReaderLease>
SqliteDecisionLog::AcquireReader() {
  {
    absl::MutexLock lock(&readers_mu_);
    if (!idle_readers_.empty()) {
      std::unique_ptr<SqliteConnection> db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(db));
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db,
                   SqliteConnection::Open(
                       path_, (options_.read_only ? SQLITE_OPEN_READONLY
                                                  : SQLITE_OPEN_READWRITE) |
                                  SQLITE_OPEN_NOMUTEX));
  RETURN_IF_ERROR(db->Execute(
      absl::StrCat("PRAGMA busy_timeout = ", options_.busy_timeout_ms)));
  RETURN_IF_ERROR(db->Execute("PRAGMA query_only = ON"));
  return ReaderLease(this, std::move(db));
}

void SqliteDecisionLog::ReleaseReader(std::unique_ptr<SqliteConnection> db) {
  absl::MutexLock lock(&readers_mu_);
  if (static_cast<int>(idle_readers_.size()) < options_.max_idle_readers) {
    idle_readers_.push_back(std::move(db));
  }
}

absl::StatusOr<StoredDecision> SqliteDecisionLog::GetDecision(
    const std::string& decision_id) {
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   reader.db().Prepare(
                       absl::StrCat("SELECT ", stored_columns_,
                                    " FROM decisions WHERE decision_id = ?1")));
  stmt.BindText(1, decision_id);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("decision \"", decision_id, "\" not found"));
  }
  return ReadStoredRow(reader.db(), stmt);
}

absl::StatusOr<DecisionPage> SqliteDecisionLog::ListDecisions(
    const DecisionFilter& filter) {
  if (filter.page_size < 0) {
    return absl::InvalidArgumentError("page_size: must not be negative");
  }
  const int page_size = filter.page_size == 0
                            ? kDefaultPageSize
                            : std::min(filter.page_size, kMaxPageSize);
  int64_t after_seq = 0;
  if (!filter.page_token.empty()) {
    ASSIGN_OR_RETURN(after_seq, DecodePageToken(filter.page_token, filter));
  }

  // Placeholders are numbered in the order the conditions are added.
  std::string sql = absl::StrCat("SELECT ", stored_columns_,
                                 " FROM decisions d WHERE d.seq > ?1");
  int next_param = 2;
  auto add_condition = [&](absl::string_view condition) {
    absl::StrAppend(&sql, " AND ", condition, next_param++);
  };
  if (!filter.refund_id.empty()) add_condition("d.refund_id = ?");
  if (!filter.shop_id.empty()) add_condition("d.shop_id = ?");
  if (filter.verdict != v1::VERDICT_UNSPECIFIED) add_condition("d.verdict = ?");
  if (filter.decided_from_micros) add_condition("d.decided_at >= ?");
  if (filter.decided_to_micros) add_condition("d.decided_at < ?");
  if (!filter.rule_id.empty()) {
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM decision_rules r "
                    "WHERE r.seq = d.seq AND r.rule_id = ?",
                    next_param++, ")");
  }
  // One row more than the page tells whether another page follows.
  absl::StrAppend(&sql, " ORDER BY d.seq LIMIT ?", next_param);

  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  ASSIGN_OR_RETURN(SqliteStatement stmt, reader.db().Prepare(sql));
  int param = 1;
  stmt.BindInt64(param++, after_seq);
  if (!filter.refund_id.empty()) stmt.BindText(param++, filter.refund_id);
  if (!filter.shop_id.empty()) stmt.BindText(param++, filter.shop_id);
  if (filter.verdict != v1::VERDICT_UNSPECIFIED) {
    stmt.BindInt64(param++, static_cast<int64_t>(filter.verdict));
  }
  if (filter.decided_from_micros) {
    stmt.BindInt64(param++, *filter.decided_from_micros);
  }
  if (filter.decided_to_micros) {
    stmt.BindInt64(param++, *filter.decided_to_micros);
  }
  if (!filter.rule_id.empty()) stmt.BindText(param++, filter.rule_id);
  stmt.BindInt64(param, page_size + 1);

  DecisionPage page;
  for (;;) {
    ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    if (static_cast<int>(page.decisions.size()) == page_size) {
      page.next_page_token = EncodePageToken(page.decisions.back().seq, filter);
      break;
    }
    ASSIGN_OR_RETURN(StoredDecision stored, ReadStoredRow(reader.db(), stmt));
    page.decisions.push_back(std::move(stored));
  }
  return page;
}

absl::StatusOr<std::string> SqliteDecisionLog::GetBundleText(
    const std::string& version) {
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      reader.db().Prepare("SELECT text FROM bundles WHERE version = ?1"));
  stmt.BindText(1, version);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("bundle version \"", version, "\" not stored"));
  }
  return stmt.ColumnBytes(0);
}

}  // namespace refund::server

namespace refund::server {

absl::StatusOr<std::unique_ptr<LogSnapshot>> SqliteDecisionLog::OpenSnapshot() {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteLogSnapshot> snapshot,
                   SqliteLogSnapshot::Open(path_));
  return std::unique_ptr<LogSnapshot>(std::move(snapshot));
}

}  // namespace refund::server

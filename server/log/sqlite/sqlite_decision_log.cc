#include "server/log/sqlite/sqlite_decision_log.h"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
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
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "engine/base/status_macros.h"
#include "server/log/sqlite/sqlite_blob_keys.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"
#include "server/log/sqlite/wal_write_combining_vfs.h"

namespace refund::server {

namespace {

// Creates the missing directories of `dir` with `mode` (those that exist are
// left as they are).
absl::Status MakeDirectories(const std::filesystem::path& dir, int mode) {
  if (dir.empty()) return absl::OkStatus();
  std::error_code error;
  if (std::filesystem::is_directory(dir, error)) return absl::OkStatus();
  RETURN_IF_ERROR(MakeDirectories(dir.parent_path(), mode));
  if (mkdir(dir.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
    return absl::UnavailableError(
        absl::StrCat("decision log: cannot create directory ", dir.string(),
                     ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// Creates the database file with `mode` when it does not exist, so that
// SQLite (which would use 0644) and its -wal and -shm files get that mode.
absl::Status CreateFileWithMode(const std::string& path, int mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                      static_cast<mode_t>(mode));
  if (fd >= 0) {
    close(fd);
    return absl::OkStatus();
  }
  if (errno == EEXIST) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("decision log: cannot create ",
                                             path, ": ", std::strerror(errno)));
}

// Problems PRAGMA quick_check finds ("ok" when none).
absl::Status QuickCheck(SqliteConnection& db) {
  ASSIGN_OR_RETURN(SqliteStatement stmt, db.Prepare("PRAGMA quick_check(5)"));
  std::string problems;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    const std::string line = stmt.ColumnBytes(0);
    if (line != "ok")
      absl::StrAppend(&problems, problems.empty() ? "" : "; ", line);
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat("decision log: quick_check: ", problems));
}

}  // namespace

class SqliteDecisionLog::BatchStore final : public LogBatchStore {
 public:
  BatchStore(std::unique_ptr<SqliteBatchWriter> writer, SqliteDecisionLog& log)
      : writer_(std::move(writer)), log_(log) {}

  absl::Status Write(
      std::vector<LogWrite>& writes,
      std::vector<absl::StatusOr<std::string>>* outcomes) override {
    return writer_->Write(writes, outcomes);
  }
  ChainHead head() const override { return writer_->head(); }
  void BeforeBatch() override {
    if (log_.restart_wal_.exchange(false, std::memory_order_relaxed)) {
      writer_->RestartWal();
    }
  }
  void Committed(size_t writes) override {
    absl::MutexLock lock(&log_.ckpt_mu_);
    log_.uncheckpointed_ += static_cast<int64_t>(writes);
  }

 private:
  const std::unique_ptr<SqliteBatchWriter> writer_;
  SqliteDecisionLog& log_;
};

absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> SqliteDecisionLog::Open(
    const std::string& path, const SqliteDecisionLogOptions& options) {
  std::optional<LogFileLock> file_lock;
  if (!options.read_only) {
    RETURN_IF_ERROR(MakeDirectories(std::filesystem::path(path).parent_path(),
                                    options.directory_mode));
    // Before the file is created or read: another writer's file is left
    // alone.
    ASSIGN_OR_RETURN(file_lock, LogFileLock::Acquire(path, options.file_mode));
    RETURN_IF_ERROR(CreateFileWithMode(path, options.file_mode));
  }
  // The writer syncs every commit (synchronous=FULL), so its WAL writes may
  // be gathered (server/log/sqlite/wal_write_combining_vfs.h).
  ASSIGN_OR_RETURN(
      std::unique_ptr<SqliteConnection> db,
      SqliteConnection::Open(
          path,
          (options.read_only ? SQLITE_OPEN_READONLY
                             : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX,
          options.read_only ? nullptr : WalWriteCombiningVfs()));
  if (options.read_only) {
    RETURN_IF_ERROR(CheckReadableSchema(*db));
  } else {
    RETURN_IF_ERROR(ConfigureWriterConnection(
        *db, {options.busy_timeout_ms, options.max_page_count, path,
              options.min_free_bytes}));
    RETURN_IF_ERROR(CreateOrMigrateSchema(*db));
  }
  // Refused before anything is written: without the keys of its sealed
  // rows a server would fail every read and idempotent retry of them, and
  // would write new rows plain into a log meant to be sealed.
  RETURN_IF_ERROR(CheckKeysHeld(*db, options.keyring.get()));
  ASSIGN_OR_RETURN(std::string codec_sql, DecisionCodecSql(*db));
  ASSIGN_OR_RETURN(std::string key_id_sql, KeyIdSql(*db));
  auto decoder = std::make_unique<StoredDecisionDecoder>(options.keyring);

  // A read-only log never writes, and an old file it reads may lack the
  // columns the writer's statements name.
  std::unique_ptr<SqliteBatchWriter> writer;
  std::unique_ptr<SqliteConnection> checkpointer;
  // Why the log must not be written, found at Open.
  std::string broken;
  if (!options.read_only) {
    absl::Status sound =
        options.quick_check_at_open ? QuickCheck(*db) : absl::OkStatus();
    SqliteWriterSettings settings{options.busy_timeout_ms,
                                  options.max_page_count, path,
                                  options.min_free_bytes};
    ASSIGN_OR_RETURN(writer, SqliteBatchWriter::Create(std::move(db), *decoder,
                                                       std::move(settings)));
    if (sound.ok()) sound = writer->CheckChainHead();
    if (!sound.ok()) {
      if (!absl::IsDataLoss(sound)) return sound;
      broken = std::string(sound.message());
    }
    ASSIGN_OR_RETURN(checkpointer,
                     SqliteConnection::Open(
                         path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                         WalWriteCombiningVfs()));
    RETURN_IF_ERROR(checkpointer->Execute(
        absl::StrCat("PRAGMA busy_timeout = ", options.busy_timeout_ms)));
  }
  auto log = std::unique_ptr<SqliteDecisionLog>(new SqliteDecisionLog(
      std::move(file_lock), path, options, std::move(decoder),
      std::move(writer), std::move(checkpointer), codec_sql, key_id_sql));
  if (!broken.empty()) log->health_.Broken(broken);
  return log;
}

SqliteDecisionLog::SqliteDecisionLog(
    std::optional<LogFileLock> file_lock, std::string path,
    SqliteDecisionLogOptions options,
    std::unique_ptr<StoredDecisionDecoder> decoder,
    std::unique_ptr<SqliteBatchWriter> writer,
    std::unique_ptr<SqliteConnection> checkpointer,
    const std::string& codec_sql, const std::string& key_id_sql)
    : file_lock_(std::move(file_lock)),
      path_(std::move(path)),
      options_(options),
      decoder_(std::move(decoder)),
      reader_(path_,
              {options_.read_only, options_.busy_timeout_ms,
               options_.max_idle_readers},
              codec_sql, key_id_sql, *decoder_, &health_) {
  // A read-only log (audit tools) has no writer and nothing to checkpoint.
  if (options_.read_only) return;
  writer_ = std::make_unique<BatchedLogWriter>(
      std::make_unique<BatchStore>(std::move(writer), *this), health_,
      BatchedLogWriterOptions{options_.max_batch, absl::ZeroDuration(),
                              options_.writer_observer});
  absl::MutexLock lock(&close_mu_);
  checkpoint_thread_ =
      std::thread([this, db = std::move(checkpointer)]() mutable {
        pthread_setname_np(pthread_self(), "log-checkpoint");
        CheckpointLoop(std::move(db));
      });
}

SqliteDecisionLog::~SqliteDecisionLog() { Close(); }

void SqliteDecisionLog::Close() {
  absl::MutexLock close_lock(&close_mu_);
  // Everything queued is stored and answered first.
  if (writer_ != nullptr) writer_->Close();
  {
    absl::MutexLock lock(&ckpt_mu_);
    ckpt_closing_ = true;
  }
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  // Nothing writes any more: another writer may open the file.
  file_lock_.reset();
}

void SqliteDecisionLog::Append(DecisionLogEntry entry, AppendCallback done) {
  if (writer_ == nullptr) {
    done(absl::FailedPreconditionError("decision log: opened read-only"));
    return;
  }
  writer_->Append(std::move(entry), std::move(done));
}

absl::Status SqliteDecisionLog::PutBundle(
    const std::string& version, const std::string& name,
    const std::string& canonical_text, const std::string& decision_dictionary) {
  if (writer_ == nullptr) {
    return absl::FailedPreconditionError("decision log: opened read-only");
  }
  return writer_->PutBundle(
      BundleWrite{version, name, canonical_text, decision_dictionary});
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

LogHealth SqliteDecisionLog::Health() { return health_.Get(); }

absl::StatusOr<StoredDecision> SqliteDecisionLog::GetDecision(
    const std::string& decision_id, const ShopScope& scope) {
  return reader_.GetDecision(decision_id, scope);
}

absl::StatusOr<DecisionPage> SqliteDecisionLog::ListDecisions(
    const DecisionFilter& filter) {
  return reader_.ListDecisions(filter);
}

absl::StatusOr<std::string> SqliteDecisionLog::GetBundleText(
    const std::string& version) {
  return reader_.GetBundleText(version);
}

absl::StatusOr<ChainHead> SqliteDecisionLog::CommittedHead() {
  if (writer_ != nullptr) return writer_->CommittedHead();
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteLogSnapshot> snapshot,
                   SqliteLogSnapshot::Open(path_));
  ASSIGN_OR_RETURN(LogSnapshot::HeadState state, snapshot->Head());
  if (!state.head) {
    return absl::FailedPreconditionError(
        "decision log: the file keeps no chain head");
  }
  return *state.head;
}

absl::StatusOr<std::unique_ptr<LogSnapshot>> SqliteDecisionLog::OpenSnapshot() {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteLogSnapshot> snapshot,
                   SqliteLogSnapshot::Open(path_, options_.keyring));
  return std::unique_ptr<LogSnapshot>(std::move(snapshot));
}

}  // namespace refund::server

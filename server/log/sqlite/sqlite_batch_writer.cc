#include "server/log/sqlite/sqlite_batch_writer.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/base/sha256.h"
#include "engine/base/status_macros.h"
#include "refund/v1/refund.pb.h"

namespace refund::server {
namespace {

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

// Resets a statement when leaving a scope, so that no statement keeps
// bindings alive, on any path.
class ResetOnExit {
 public:
  explicit ResetOnExit(SqliteStatement& stmt) : stmt_(stmt) {}
  ~ResetOnExit() { stmt_.Reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  SqliteStatement& stmt_;
};

// A compressor per bundle version, but not for every version a long-running
// server ever loaded: beyond this many, the writer forgets them all and
// reads back those it still meets.
constexpr size_t kMaxWriterCompressors = 8;

}  // namespace

absl::Status ConfigureWriterConnection(SqliteConnection& db,
                                       const SqliteWriterSettings& settings) {
  RETURN_IF_ERROR(db.Execute(
      absl::StrCat("PRAGMA busy_timeout = ", settings.busy_timeout_ms)));
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
  // Checkpoints run on SqliteDecisionLog's checkpointer thread.
  RETURN_IF_ERROR(db.Execute("PRAGMA wal_autocheckpoint = 0"));
  if (settings.max_page_count > 0) {
    RETURN_IF_ERROR(db.QueryInt64(absl::StrCat("PRAGMA max_page_count = ",
                                               settings.max_page_count))
                        .status());
  }
  return absl::OkStatus();
}

absl::StatusOr<SqliteBatchWriter::Statements> SqliteBatchWriter::Prepare(
    SqliteConnection& db) {
  ASSIGN_OR_RETURN(
      SqliteStatement find_request,
      db.Prepare("SELECT request, decision, decision_codec, bundle_version, "
                 "key_id, decision_id FROM decisions WHERE request_id = ?1"));
  ASSIGN_OR_RETURN(
      SqliteStatement insert_decision,
      db.Prepare(
          "INSERT INTO decisions (decision_id, request_id, refund_id, "
          "shop_id, verdict, decided_at, bundle_version, request, decision, "
          "request_sha256, prev_hash, row_hash, decision_codec, seq, key_id) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
          "?14, ?15)"));
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
  ASSIGN_OR_RETURN(SqliteStatement record_key_id,
                   db.Prepare("INSERT OR IGNORE INTO blob_key_ids (key_id) "
                              "VALUES (?1)"));
  return Statements{std::move(find_request),  std::move(insert_decision),
                    std::move(insert_bundle), std::move(add_dictionary),
                    std::move(find_bundle),   std::move(update_head),
                    std::move(record_key_id)};
}

absl::StatusOr<std::unique_ptr<SqliteBatchWriter>> SqliteBatchWriter::Create(
    std::unique_ptr<SqliteConnection> db, StoredDecisionDecoder& decoder,
    SqliteWriterSettings settings) {
  ASSIGN_OR_RETURN(ChainHead end, ReadChainEnd(*db));
  ASSIGN_OR_RETURN(Statements statements, Prepare(*db));
  return std::unique_ptr<SqliteBatchWriter>(
      new SqliteBatchWriter(std::move(db), std::move(statements),
                            std::move(end), decoder, std::move(settings)));
}

SqliteBatchWriter::SqliteBatchWriter(std::unique_ptr<SqliteConnection> db,
                                     Statements statements, ChainHead head,
                                     StoredDecisionDecoder& decoder,
                                     SqliteWriterSettings settings)
    : db_(std::move(db)),
      settings_(std::move(settings)),
      statements_(std::move(statements)),
      decoder_(decoder),
      chain_(std::move(head)) {}

absl::Status SqliteBatchWriter::CheckChainHead() {
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db_->Prepare("SELECT last_seq, last_hash FROM chain_head "
                                "WHERE id = 1"));
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) {
    return absl::DataLossError(
        "decision log: the chain head row is missing; run refundctl verify");
  }
  const ChainHead& end = chain_.head();
  if (stmt.ColumnInt64(0) != end.last_seq ||
      stmt.ColumnBytes(1) != end.last_hash) {
    return absl::DataLossError(absl::StrCat(
        "decision log: the chain head names seq ", stmt.ColumnInt64(0),
        " but the last row is seq ", end.last_seq,
        ": the log was cut or altered at its end; run refundctl verify"));
  }
  return absl::OkStatus();
}

absl::Status SqliteBatchWriter::CheckFreeSpace() const {
  if (settings_.min_free_bytes <= 0) return absl::OkStatus();
  struct statvfs fs;
  if (statvfs(settings_.path.c_str(), &fs) != 0) {
    return absl::UnavailableError(
        absl::StrCat("decision log: cannot read the free space of ",
                     settings_.path, ": ", std::strerror(errno)));
  }
  const uint64_t free_bytes =
      static_cast<uint64_t>(fs.f_bavail) * static_cast<uint64_t>(fs.f_frsize);
  if (free_bytes < static_cast<uint64_t>(settings_.min_free_bytes)) {
    return absl::UnavailableError(
        absl::StrCat("decision log: ", free_bytes / (1024 * 1024),
                     " MiB free on the log's file system, below the floor of ",
                     settings_.min_free_bytes / (1024 * 1024), " MiB"));
  }
  return absl::OkStatus();
}

absl::Status SqliteBatchWriter::CheckNotMoved() {
  ASSIGN_OR_RETURN(bool moved, db_->HasMoved());
  if (moved) {
    return absl::DataLossError(absl::StrCat(
        "decision log: ", settings_.path,
        " was moved or deleted while open; decisions written now would be "
        "lost: restart the server on the right file"));
  }
  return absl::OkStatus();
}

void SqliteBatchWriter::RestartWal() {
  // Without a busy timeout: RESTART waits for every reader of the WAL, and
  // a verify or an export may read for seconds, while this thread is the
  // one that commits every Decide. Readers in the way leave the WAL longer
  // until the next try.
  if (!db_->Execute("PRAGMA busy_timeout = 0").ok()) return;
  db_->Execute("PRAGMA wal_checkpoint(RESTART)").IgnoreError();
  db_->Execute(
         absl::StrCat("PRAGMA busy_timeout = ", settings_.busy_timeout_ms))
      .IgnoreError();
}

absl::Status SqliteBatchWriter::Write(
    std::vector<LogWrite>& writes,
    std::vector<absl::StatusOr<std::string>>* outcomes) {
  const ChainHead start = chain_.head();
  key_id_recorded_ = false;
  outcomes->assign(writes.size(),
                   absl::InternalError("decision log: not processed"));

  absl::Status txn = CheckFreeSpace();
  // The free space of a deleted path cannot be read: then the lasting
  // trouble, a moved file, is the one to report.
  if (!txn.ok()) {
    if (absl::Status moved = CheckNotMoved(); !moved.ok()) txn = moved;
  }
  if (txn.ok()) txn = db_->Execute("BEGIN IMMEDIATE");
  for (size_t i = 0; txn.ok() && i < writes.size(); ++i) {
    if (auto* entry = std::get_if<DecisionLogEntry>(&writes[i])) {
      txn = StoreEntry(*entry, &(*outcomes)[i]);
    } else {
      txn = StoreBundle(std::get<BundleWrite>(writes[i]));
      if (txn.ok()) (*outcomes)[i] = std::string();
    }
  }
  if (txn.ok() && chain_.head().last_seq != start.last_seq) {
    txn = UpdateChainHead();
  }
  if (txn.ok()) txn = CheckNotMoved();
  if (txn.ok()) txn = db_->Execute("COMMIT");
  if (txn.ok()) return absl::OkStatus();

  // SQLite may already have rolled back (e.g. after SQLITE_FULL); roll back
  // what remains so that nothing of this batch is kept.
  if (db_->InTransaction()) db_->Execute("ROLLBACK").IgnoreError();
  chain_ = HashChain(start);
  // A bundle stored by this batch is gone again.
  stored_bundles_.clear();
  const absl::Status failed = absl::UnavailableError(txn.message());
  for (auto& outcome : *outcomes) outcome = failed;
  return absl::IsDataLoss(txn) ? txn : failed;
}

absl::Status SqliteBatchWriter::StoreEntry(
    DecisionLogEntry& entry, absl::StatusOr<std::string>* outcome) {
  if (entry.request_id.empty() || entry.decision_id.empty()) {
    *outcome = absl::InvalidArgumentError(
        "decision log: an entry needs a request_id and a decision_id");
    return absl::OkStatus();
  }

  auto stored_bundle = stored_bundles_.find(entry.bundle_version);
  if (stored_bundle == stored_bundles_.end()) {
    SqliteStatement& find = statements_.find_bundle;
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
  // The hash covers the decision's bytes; the row may keep them compressed,
  // and seal the compressed frame and the request.
  absl::string_view stored_decision = decision_bytes;
  absl::string_view stored_request = entry.request_bytes;
  DecisionCodec codec = DecisionCodec::kPlain;
  if (compressor != nullptr) {
    absl::StatusOr<absl::string_view> frame =
        compressor->Compress(decision_bytes);
    if (frame.ok()) {
      stored_decision = *frame;
      codec = DecisionCodec::kZstdBundleDictionary;
    }
  }
  const LogKeyring* const keyring = decoder_.keyring();
  std::string sealed_request;
  std::string sealed_decision;
  if (keyring != nullptr) {
    ASSIGN_OR_RETURN(sealed_request,
                     keyring->Seal(BlobRole::kRequest, entry.decision_id,
                                   entry.request_bytes));
    ASSIGN_OR_RETURN(
        sealed_decision,
        keyring->Seal(BlobRole::kDecision, entry.decision_id, stored_decision));
    stored_request = sealed_request;
    stored_decision = sealed_decision;
    RETURN_IF_ERROR(RecordKeyId(keyring->current_key_id()));
  }
  {
    SqliteStatement& insert = statements_.insert_decision;
    ResetOnExit reset(insert);
    insert.BindText(1, entry.decision_id);
    insert.BindText(2, entry.request_id);
    insert.BindText(3, entry.refund_id);
    insert.BindText(4, entry.shop_id);
    insert.BindInt64(5, static_cast<int64_t>(entry.verdict));
    insert.BindInt64(6, entry.decided_at_micros);
    insert.BindText(7, entry.bundle_version);
    insert.BindBlobBorrowed(8, stored_request);
    insert.BindBlobBorrowed(9, stored_decision);
    insert.BindBlob(10, Sha256(entry.request_bytes));
    insert.BindBlobBorrowed(11, link.prev_hash);
    insert.BindBlobBorrowed(12, link.row_hash);
    insert.BindInt64(13, static_cast<int64_t>(codec));
    insert.BindInt64(14, link.seq);
    // Unbound (NULL) for a plain row.
    if (keyring != nullptr) insert.BindText(15, keyring->current_key_id());
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

absl::Status SqliteBatchWriter::AnswerDuplicate(
    const DecisionLogEntry& entry, absl::StatusOr<std::string>* outcome) {
  SqliteStatement& find = statements_.find_request;
  ResetOnExit reset(find);
  find.BindText(1, entry.request_id);
  ASSIGN_OR_RETURN(bool found, find.Step());
  if (!found) {
    *outcome = absl::AlreadyExistsError(absl::StrCat(
        "decision_id \"", entry.decision_id, "\" is already stored"));
    return absl::OkStatus();
  }
  // A sealed row is unsealed (with the key that sealed it) and compared as
  // a plain one: against the authenticated request, not the unhashed
  // request_sha256 column.
  const std::string key_id = find.ColumnBytes(4);
  const std::string decision_id = find.ColumnBytes(5);
  absl::StatusOr<std::string> request = decoder_.Unseal(
      key_id, BlobRole::kRequest, decision_id, find.ColumnBytes(0));
  if (!request.ok()) {
    *outcome = absl::Status(
        request.status().code(),
        absl::StrCat("decision log: stored request for request_id \"",
                     entry.request_id,
                     "\" cannot be read: ", request.status().message()));
    return absl::OkStatus();
  }
  if (*request != entry.request_bytes) {
    *outcome = absl::AlreadyExistsError(
        absl::StrCat("request_id \"", entry.request_id,
                     "\" was already decided for a different request"));
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> stored = decoder_.Unseal(
      key_id, BlobRole::kDecision, decision_id, find.ColumnBytes(1));
  if (stored.ok()) {
    stored = decoder_.Decode(
        [this](const std::string& version) {
          return ReadDecisionDictionary(*db_, version);
        },
        find.ColumnInt64(2), find.ColumnBytes(3), *std::move(stored));
  }
  if (v1::Decision parsed; !stored.ok() || !parsed.ParseFromString(*stored)) {
    *outcome = absl::DataLossError(
        absl::StrCat("decision log: stored decision for request_id \"",
                     entry.request_id, "\" is corrupt"));
    return absl::OkStatus();
  }
  *outcome = *std::move(stored);
  return absl::OkStatus();
}

absl::Status SqliteBatchWriter::InsertRules(
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
      ASSIGN_OR_RETURN(SqliteStatement prepared, db_->Prepare(sql));
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

absl::Status SqliteBatchWriter::RecordKeyId(const std::string& key_id) {
  if (key_id_recorded_) return absl::OkStatus();
  SqliteStatement& record = statements_.record_key_id;
  ResetOnExit reset(record);
  record.BindText(1, key_id);
  RETURN_IF_ERROR(record.Run());
  key_id_recorded_ = true;
  return absl::OkStatus();
}

absl::Status SqliteBatchWriter::UpdateChainHead() {
  SqliteStatement& update = statements_.update_head;
  ResetOnExit reset(update);
  update.BindInt64(1, chain_.head().last_seq);
  update.BindBlob(2, chain_.head().last_hash);
  return update.Run();
}

absl::Status SqliteBatchWriter::StoreBundle(const BundleWrite& bundle) {
  SqliteStatement& insert = statements_.insert_bundle;
  ResetOnExit reset(insert);
  insert.BindText(1, bundle.version);
  insert.BindText(2, bundle.name);
  insert.BindText(3, bundle.text);
  insert.BindInt64(4, absl::ToUnixMicros(absl::Now()));
  RETURN_IF_ERROR(insert.Run());
  if (!bundle.decision_dictionary.empty()) {
    SqliteStatement& add = statements_.add_dictionary;
    ResetOnExit reset_add(add);
    add.BindText(1, bundle.version);
    add.BindBlobBorrowed(2, bundle.decision_dictionary);
    RETURN_IF_ERROR(add.Run());
    // Read the version's dictionary again on its next decision.
    stored_bundles_.erase(bundle.version);
  }
  return absl::OkStatus();
}

}  // namespace refund::server

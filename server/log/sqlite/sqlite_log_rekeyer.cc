#include "server/log/sqlite/sqlite_log_rekeyer.h"

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "server/log/blob_cipher.h"
#include "server/log/sqlite/sqlite_blob_keys.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_schema.h"

namespace refund::server {
namespace {

// One row's blobs, read inside a batch and rewritten in the same one.
struct RowBlobs {
  int64_t seq = 0;
  std::string decision_id;
  std::string key_id;
  std::string request;
  std::string decision;
};

// A blob as the target keeps it: unsealed with the row's key, then sealed
// with the current key (or left plain).
absl::StatusOr<std::string> Rewrite(const LogKeyring& keyring,
                                    const RekeyOptions& options,
                                    const RowBlobs& row, BlobRole role,
                                    std::string stored) {
  absl::StatusOr<std::string> plain = OpenStoredBlob(
      &keyring, row.key_id, role, row.decision_id, std::move(stored));
  if (!plain.ok()) {
    const char* what = role == BlobRole::kRequest ? "request" : "decision";
    if (absl::IsFailedPrecondition(plain.status())) {
      return absl::FailedPreconditionError(
          absl::StrCat("row seq ", row.seq, " is ", plain.status().message()));
    }
    return absl::DataLossError(absl::StrCat(
        "the stored ", what, " at seq ", row.seq, " cannot be read: ",
        plain.status().message(), "; run refundctl verify"));
  }
  if (options.to_plain) return plain;
  return keyring.Seal(role, row.decision_id, *plain);
}

// Rewrites up to options.batch_rows rows after `*after_seq` that are not
// kept as the target is, in one transaction; advances `*after_seq` and adds
// to `*rewritten`. Returns how many rows it read.
absl::StatusOr<int> RekeyBatch(SqliteConnection& db, const LogKeyring& keyring,
                               const RekeyOptions& options, int64_t* after_seq,
                               int64_t* rewritten) {
  RETURN_IF_ERROR(db.Execute("BEGIN IMMEDIATE"));
  auto batch = [&]() -> absl::StatusOr<int> {
    // `key_id IS NOT ?2` with ?2 unbound (NULL) selects the sealed rows.
    ASSIGN_OR_RETURN(
        SqliteStatement select,
        db.Prepare("SELECT seq, decision_id, key_id, request, decision "
                   "FROM decisions WHERE seq > ?1 AND key_id IS NOT ?2 "
                   "ORDER BY seq LIMIT ?3"));
    select.BindInt64(1, *after_seq);
    if (!options.to_plain) select.BindText(2, keyring.current_key_id());
    select.BindInt64(3, options.batch_rows);
    std::vector<RowBlobs> rows;
    for (;;) {
      ASSIGN_OR_RETURN(bool has_row, select.Step());
      if (!has_row) break;
      rows.push_back({select.ColumnInt64(0), select.ColumnBytes(1),
                      select.ColumnBytes(2), select.ColumnBytes(3),
                      select.ColumnBytes(4)});
    }
    select.Reset();
    ASSIGN_OR_RETURN(SqliteStatement update,
                     db.Prepare("UPDATE decisions SET request = ?1, "
                                "decision = ?2, key_id = ?3 WHERE seq = ?4"));
    for (RowBlobs& row : rows) {
      ASSIGN_OR_RETURN(std::string request,
                       Rewrite(keyring, options, row, BlobRole::kRequest,
                               std::move(row.request)));
      ASSIGN_OR_RETURN(std::string decision,
                       Rewrite(keyring, options, row, BlobRole::kDecision,
                               std::move(row.decision)));
      update.BindBlob(1, request);
      update.BindBlob(2, decision);
      if (!options.to_plain) update.BindText(3, keyring.current_key_id());
      update.BindInt64(4, row.seq);
      RETURN_IF_ERROR(update.Run());
      update.Reset();
    }
    RETURN_IF_ERROR(db.Execute("COMMIT"));
    if (!rows.empty()) *after_seq = rows.back().seq;
    *rewritten += static_cast<int64_t>(rows.size());
    return static_cast<int>(rows.size());
  };
  absl::StatusOr<int> done = batch();
  if (!done.ok() && db.InTransaction()) db.Execute("ROLLBACK").IgnoreError();
  return done;
}

// Removes from blob_key_ids the ids no row is sealed with; returns them.
absl::StatusOr<std::vector<std::string>> ForgetUnusedKeyIds(
    SqliteConnection& db) {
  RETURN_IF_ERROR(db.Execute("BEGIN IMMEDIATE"));
  auto forget = [&]() -> absl::StatusOr<std::vector<std::string>> {
    ASSIGN_OR_RETURN(std::vector<std::string> listed, StoredKeyIds(db));
    std::vector<std::string> removed;
    ASSIGN_OR_RETURN(SqliteStatement used,
                     db.Prepare("SELECT EXISTS (SELECT 1 FROM decisions "
                                "WHERE key_id = ?1)"));
    ASSIGN_OR_RETURN(SqliteStatement remove,
                     db.Prepare("DELETE FROM blob_key_ids WHERE key_id = ?1"));
    for (const std::string& id : listed) {
      used.BindText(1, id);
      ASSIGN_OR_RETURN(bool has_row, used.Step());
      const bool in_use = has_row && used.ColumnInt64(0) != 0;
      used.Reset();
      if (in_use) continue;
      remove.BindText(1, id);
      RETURN_IF_ERROR(remove.Run());
      remove.Reset();
      removed.push_back(id);
    }
    RETURN_IF_ERROR(db.Execute("COMMIT"));
    return removed;
  };
  absl::StatusOr<std::vector<std::string>> removed = forget();
  if (!removed.ok() && db.InTransaction()) {
    db.Execute("ROLLBACK").IgnoreError();
  }
  return removed;
}

}  // namespace

absl::StatusOr<RekeyResult> RekeySqliteLog(const std::string& path,
                                           const LogKeyring& keyring,
                                           const RekeyOptions& options) {
  if (options.batch_rows <= 0) {
    return absl::InvalidArgumentError("rekey: batch_rows must be positive");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db,
                   SqliteConnection::Open(
                       path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX));
  RETURN_IF_ERROR(db->Execute("PRAGMA busy_timeout = 10000"));
  RETURN_IF_ERROR(RequireDecisionsTable(*db, path));
  RETURN_IF_ERROR(db->Execute("PRAGMA synchronous = FULL"));
  // The space a rewritten blob leaves is zeroed, so that the plaintext (or
  // an old key's ciphertext) does not stay in free pages of the file.
  RETURN_IF_ERROR(db->Execute("PRAGMA secure_delete = ON"));
  RETURN_IF_ERROR(CreateOrMigrateSchema(*db));

  RekeyResult result;
  if (!options.to_plain) {
    result.target_key_id = keyring.current_key_id();
    // Listed before the first row is sealed with it, so that a server
    // started meanwhile asks for it.
    ASSIGN_OR_RETURN(SqliteStatement record,
                     db->Prepare("INSERT OR IGNORE INTO blob_key_ids "
                                 "(key_id) VALUES (?1)"));
    record.BindText(1, result.target_key_id);
    RETURN_IF_ERROR(record.Run());
  }
  int64_t after_seq = 0;
  for (;;) {
    absl::StatusOr<int> rows =
        RekeyBatch(*db, keyring, options, &after_seq, &result.rows_rewritten);
    if (!rows.ok()) {
      return absl::Status(
          rows.status().code(),
          absl::StrCat(rows.status().message(), " (", result.rows_rewritten,
                       " rows were rewritten before; run rekey again once "
                       "this is resolved)"));
    }
    if (*rows < options.batch_rows) break;
  }
  ASSIGN_OR_RETURN(result.key_ids_removed, ForgetUnusedKeyIds(*db));
  ASSIGN_OR_RETURN(result.rows_total,
                   db->QueryInt64("SELECT count(*) FROM decisions"));
  // The WAL still holds the pages as they were; truncate it when no reader
  // (a running server) holds it. Otherwise the server's checkpoints
  // overwrite it as it goes on.
  if (db->Execute("PRAGMA busy_timeout = 0").ok()) {
    db->Execute("PRAGMA wal_checkpoint(TRUNCATE)").IgnoreError();
  }
  return result;
}

}  // namespace refund::server

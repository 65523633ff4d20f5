// Opens a decision log store by name, so that the server and the audit
// tools choose a store with one flag and never open a store's files
// themselves.
//
// A store is named by a spec:
//   sqlite:PATH   the embedded SQLite store (server/log/sqlite/), a file
//   PATH          the same (a spec without a known scheme is a file path)
//   postgresql://...  (or postgres://...) the shared PostgreSQL store
//                 (server/log/postgres/), a libpq URI; the password from
//                 PGPASSFILE or PGPASSWORD
//   memory:       an in-memory store (server/log/memory/): nothing survives
//                 the process; for tests and trials
#ifndef SERVER_LOG_OPEN_OPEN_DECISION_LOG_H_
#define SERVER_LOG_OPEN_OPEN_DECISION_LOG_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/log/decision_log.h"
#include "server/log/log_keyring.h"
#include "server/log/log_rekey.h"
#include "server/log/log_snapshot.h"
#include "server/log/log_writer_observer.h"

namespace refund::server {

struct OpenLogOptions {
  // Reads only (audit tools on a copy of a log): the store is never written;
  // Append and PutBundle answer FAILED_PRECONDITION.
  bool read_only = false;
  // A file store refuses appends while its file system has less free space
  // than this (0: no floor); see SqliteDecisionLogOptions.
  int64_t min_free_bytes = 0;
  // A file store checks its pages when it opens (slow on a large file).
  bool quick_check = false;
  // The keys of sealed rows (server/log/log_keyring.h; null: none): a file
  // store seals new rows with its current key, unseals rows with the key
  // each names, and refuses to open (FAILED_PRECONDITION naming the key ids)
  // when rows are sealed with keys it does not hold. The in-memory store
  // keeps plaintext and ignores it.
  std::shared_ptr<const LogKeyring> keyring;
  // Told the write queue's depth and each batch's outcome (borrowed, must
  // outlive the log; null: none). Read-only logs ignore it.
  LogWriterObserver* writer_observer = nullptr;
};

// The store `spec` names, opened (and created or migrated unless
// read_only). INVALID_ARGUMENT for a spec that names no store; otherwise the
// store's own errors (UNAVAILABLE when it cannot be opened,
// FAILED_PRECONDITION for a schema it cannot read).
absl::StatusOr<std::unique_ptr<DecisionLog>> OpenDecisionLog(
    const std::string& spec, const OpenLogOptions& options = {});

// A snapshot of the store `spec` names, read-only, for verify and export:
// it reads what is there, whatever schema version wrote it (a SQLite file
// of any version), unsealing sealed rows with `keyring` (may be null); a
// row sealed with a key it does not hold comes without its bytes
// (LogRecord::missing_key_id). Errors as OpenDecisionLog;
// FAILED_PRECONDITION when the file is not a decision log.
absl::StatusOr<std::unique_ptr<LogSnapshot>> OpenLogSnapshot(
    const std::string& spec,
    std::shared_ptr<const LogKeyring> keyring = nullptr);

// Rewrites the stored blobs of the store `spec` names (server/log/
// log_rekey.h): sealed with `keyring`'s current key, or plain with
// options.to_plain; `keyring` opens the rows as they are. A file store's
// errors (server/log/sqlite/sqlite_log_rekeyer.h); INVALID_ARGUMENT for
// `memory:` (it keeps plaintext) or a spec that names no store.
absl::StatusOr<RekeyResult> RekeyDecisionLog(const std::string& spec,
                                             const LogKeyring& keyring,
                                             const RekeyOptions& options);

}  // namespace refund::server

#endif  // SERVER_LOG_OPEN_OPEN_DECISION_LOG_H_

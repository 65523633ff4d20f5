// Rewrites the sealed blobs of a SQLite decision log in place
// (server/log/log_rekey.h): plain rows sealed with the keyring's current
// key, rows of an older key resealed with it, or every row made plain.
//
// It works through SQLite's own locking, so it may run while a server
// appends to the same file: each batch is one BEGIN IMMEDIATE transaction,
// the server's writer waits for it (busy timeout), and nothing a server
// keeps in memory depends on how blobs are kept (it reads every blob from
// the file, and its writer seals with its own key). A server must hold the
// key rows are moved to, or its reads of them fail (FAILED_PRECONDITION)
// until it is restarted with it. Rows a server appends under another key
// while a rekey runs may be left under that key: run it again.
//
// Old bytes do not linger in the file: the connection sets secure_delete,
// so the space a rewritten blob leaves is zeroed, and the WAL is truncated
// at the end when no reader holds it.
#ifndef SERVER_LOG_SQLITE_SQLITE_LOG_REKEYER_H_
#define SERVER_LOG_SQLITE_SQLITE_LOG_REKEYER_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/log/log_keyring.h"
#include "server/log/log_rekey.h"

namespace refund::server {

// Rekeys the log file at `path` (migrating it to the current schema first).
// NOT_FOUND / UNAVAILABLE when the file cannot be opened;
// FAILED_PRECONDITION when it is not a decision log, or a row is sealed with
// a key `keyring` does not hold (naming its seq and key); DATA_LOSS when a
// row does not authenticate (naming its seq: run refundctl verify). Rows
// rewritten before an error stay rewritten.
absl::StatusOr<RekeyResult> RekeySqliteLog(const std::string& path,
                                           const LogKeyring& keyring,
                                           const RekeyOptions& options);

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_SQLITE_LOG_REKEYER_H_

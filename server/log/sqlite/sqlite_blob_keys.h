// Which keys a SQLite decision log's sealed rows need (schema 5,
// docs/decision_log_format.md): each row's key_id column (NULL: plain), and
// the table blob_key_ids, which lists every key id rows may be sealed with
// so that opening a log can name the keys it needs without reading every
// row. The writer adds its key id in every batch that seals a row;
// `refundctl rekey` removes the ids no row uses any more.
#ifndef SERVER_LOG_SQLITE_SQLITE_BLOB_KEYS_H_
#define SERVER_LOG_SQLITE_SQLITE_BLOB_KEYS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/log/log_keyring.h"
#include "server/log/sqlite/sqlite_connection.h"

namespace refund::server {

// The SQL expression of a row's key id on `db`: the key_id column, or NULL
// in a log written before schema version 5 (every row plain).
absl::StatusOr<std::string> KeyIdSql(SqliteConnection& db);

// The key ids blob_key_ids lists, sorted; empty before schema version 5.
absl::StatusOr<std::vector<std::string>> StoredKeyIds(SqliteConnection& db);

// OK when `keyring` (null: none given) holds every key id blob_key_ids
// lists; FAILED_PRECONDITION naming the missing ids otherwise, e.g.
// `decision log: rows are encrypted with key "2026-12", which the key file
// does not hold; give --log_key_file a file with it`.
absl::Status CheckKeysHeld(SqliteConnection& db, const LogKeyring* keyring);

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_SQLITE_BLOB_KEYS_H_

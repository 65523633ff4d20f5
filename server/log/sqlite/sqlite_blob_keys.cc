#include "server/log/sqlite/sqlite_blob_keys.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/base/status_macros.h"

namespace refund::server {

absl::StatusOr<std::string> KeyIdSql(SqliteConnection& db) {
  ASSIGN_OR_RETURN(int64_t columns,
                   db.QueryInt64("SELECT count(*) FROM pragma_table_info("
                                 "'decisions') WHERE name = 'key_id'"));
  return std::string(columns > 0 ? "key_id" : "NULL");
}

absl::StatusOr<std::vector<std::string>> StoredKeyIds(SqliteConnection& db) {
  std::vector<std::string> ids;
  ASSIGN_OR_RETURN(int64_t tables,
                   db.QueryInt64("SELECT count(*) FROM sqlite_master WHERE "
                                 "type = 'table' AND name = 'blob_key_ids'"));
  if (tables == 0) return ids;
  ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      db.Prepare("SELECT key_id FROM blob_key_ids ORDER BY key_id"));
  for (;;) {
    ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) break;
    ids.push_back(stmt.ColumnBytes(0));
  }
  return ids;
}

absl::Status CheckKeysHeld(SqliteConnection& db, const LogKeyring* keyring) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, StoredKeyIds(db));
  return CheckKeysHeld(ids, keyring);
}

}  // namespace refund::server

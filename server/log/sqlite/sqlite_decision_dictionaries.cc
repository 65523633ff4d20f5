#include "server/log/sqlite/sqlite_decision_dictionaries.h"

#include <cstdint>
#include <string>

#include "engine/base/status_macros.h"

namespace refund::server {

absl::StatusOr<std::string> DecisionCodecSql(SqliteConnection& db) {
  ASSIGN_OR_RETURN(int64_t columns,
                   db.QueryInt64("SELECT count(*) FROM pragma_table_info("
                                 "'decisions') WHERE name = 'decision_codec'"));
  return std::string(columns > 0 ? "decision_codec" : "0");
}

absl::StatusOr<std::string> ReadDecisionDictionary(SqliteConnection& db,
                                                   const std::string& version) {
  ASSIGN_OR_RETURN(SqliteStatement stmt,
                   db.Prepare("SELECT dictionary FROM decision_dictionaries "
                              "WHERE version = ?1"));
  stmt.BindText(1, version);
  ASSIGN_OR_RETURN(bool found, stmt.Step());
  return found ? stmt.ColumnBytes(0) : std::string();
}

}  // namespace refund::server

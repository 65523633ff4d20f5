// Where a SQLite decision log keeps how its decisions are compressed
// (schema 4, docs/decision_log_format.md): each row's decision_codec, and
// the table decision_dictionaries, one dictionary per bundle version.
#ifndef SERVER_LOG_SQLITE_SQLITE_DECISION_DICTIONARIES_H_
#define SERVER_LOG_SQLITE_SQLITE_DECISION_DICTIONARIES_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/log/sqlite/sqlite_connection.h"

namespace refund::server {

// The SQL expression of a row's codec on `db`: the decision_codec column, or
// 0 in a log written before schema version 4 (every decision plain).
absl::StatusOr<std::string> DecisionCodecSql(SqliteConnection& db);

// The dictionary stored with `version` (empty when it has none), a
// DictionaryReader of server/log/stored_decision_decoder.h. `db` is used by
// one thread at a time.
absl::StatusOr<std::string> ReadDecisionDictionary(SqliteConnection& db,
                                                   const std::string& version);

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_SQLITE_DECISION_DICTIONARIES_H_

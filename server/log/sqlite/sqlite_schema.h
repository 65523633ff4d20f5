// The SQLite decision log's schema, in one place: the whole DDL of the
// current version (what a new file gets), and the migrations that bring a
// file written by an older version to it (docs/decision_log_format.md
// describes the tables). A migrated file has exactly the tables, columns and
// indexes of a new one (tests/server/log/sqlite/sqlite_schema_test.cc).
#ifndef SERVER_LOG_SQLITE_SQLITE_SCHEMA_H_
#define SERVER_LOG_SQLITE_SQLITE_SCHEMA_H_

#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "server/log/sqlite/sqlite_connection.h"

namespace refund::server {

// The schema this code writes (PRAGMA user_version).
inline constexpr int kSqliteSchemaVersion = 5;

// The oldest version a read-only open reads (version 3 only dropped an
// unused index, version 4's codec column is read as "plain" where it is
// missing, and so is version 5's key_id: a version 2 file reads the same).
inline constexpr int kOldestReadableSchemaVersion = 2;

// The whole DDL of kSqliteSchemaVersion.
extern const char kSqliteSchema[];

// One migration step: the SQL that brings a file from to_version - 1 to
// to_version.
struct SqliteMigration {
  int to_version;
  const char* sql;
};

// The migration steps in order, one per version: the step at index i brings
// version i to i + 1.
absl::Span<const SqliteMigration> SqliteMigrations();

// On a writable connection: a new (empty, version 0) file gets kSqliteSchema;
// an older one is migrated step by step, each step in its own transaction
// (re-reading the version inside it, so that two processes opening the file
// at once migrate it once). FAILED_PRECONDITION when the file was written by
// a newer version; the connection's error when a step fails (the file is
// then left at the last whole version).
absl::Status CreateOrMigrateSchema(SqliteConnection& db);

// For a read-only open, which must not migrate: OK for versions
// kOldestReadableSchemaVersion to kSqliteSchemaVersion, FAILED_PRECONDITION
// otherwise.
absl::Status CheckReadableSchema(SqliteConnection& db);

// FAILED_PRECONDITION "`path`: not a decision log (no decisions table)"
// when the file at `path`, open in `db`, has no decisions table: what a
// reader or a rewriter of an existing log checks before anything else.
absl::Status RequireDecisionsTable(SqliteConnection& db,
                                   const std::string& path);

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_SQLITE_SCHEMA_H_

// The PostgreSQL decision log's tables, their version and migrations, in one
// place (docs/decision_log_format.md, PostgreSQL). The content is the SQLite
// schema's: bundles and their decision dictionaries by version, decisions
// with their hashed bytes (compressed and sealed as the SQLite store keeps
// them) and chain hashes, their rule index, the chain head, the key ids of
// sealed rows. The version is the single row of refund_log_schema.
#ifndef SERVER_LOG_POSTGRES_PG_SCHEMA_H_
#define SERVER_LOG_POSTGRES_PG_SCHEMA_H_

#include "absl/status/status.h"
#include "server/log/postgres/pg_connection.h"

namespace refund::server {

// The schema version this build writes.
inline constexpr int kPgSchemaVersion = 1;

// Creates the tables of an empty database, or migrates older ones, in one
// transaction under an advisory lock, so that replicas starting at once run
// it one after the other (the second finds it done). FAILED_PRECONDITION
// when the database's schema is newer than this build's; PERMISSION_DENIED
// (naming what) when the role may not create or use the tables.
absl::Status CreateOrMigratePgSchema(PgConnection& db);

// OK when the database holds a decision log of a version this build reads
// (for read-only use: nothing is created); FAILED_PRECONDITION otherwise
// ("not a decision log", or the version).
absl::Status CheckReadablePgSchema(PgConnection& db);

// PERMISSION_DENIED naming the first privilege the role lacks on the log's
// tables for writing (SELECT, INSERT, UPDATE as the writer needs them).
absl::Status CheckWritePrivileges(PgConnection& db);

}  // namespace refund::server

#endif  // SERVER_LOG_POSTGRES_PG_SCHEMA_H_

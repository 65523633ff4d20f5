#include "server/log/open/open_decision_log.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/base/status_macros.h"
#include "server/log/memory/memory_decision_log.h"
#include "server/log/postgres/pg_log_snapshot.h"
#include "server/log/postgres/postgres_decision_log.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "server/log/sqlite/sqlite_log_rekeyer.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"

namespace refund::server {
namespace {

constexpr absl::string_view kSqliteScheme = "sqlite:";
constexpr absl::string_view kMemorySpec = "memory:";

// A libpq URI (both of its schemes).
bool IsPostgresSpec(absl::string_view spec) {
  return absl::StartsWith(spec, "postgresql://") ||
         absl::StartsWith(spec, "postgres://");
}

// The SQLite file a spec names, or INVALID_ARGUMENT.
absl::StatusOr<std::string> SqlitePath(const std::string& spec) {
  std::string path = spec;
  if (absl::StartsWith(spec, kSqliteScheme)) {
    path = spec.substr(kSqliteScheme.size());
  }
  if (path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("decision log \"", spec, "\": no file named"));
  }
  return path;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DecisionLog>> OpenDecisionLog(
    const std::string& spec, const OpenLogOptions& options) {
  if (spec == kMemorySpec) {
    if (options.read_only) {
      return absl::InvalidArgumentError(
          "decision log \"memory:\": an in-memory log cannot be read-only "
          "(it starts empty)");
    }
    return std::unique_ptr<DecisionLog>(std::make_unique<MemoryDecisionLog>());
  }
  if (IsPostgresSpec(spec)) {
    PostgresDecisionLogOptions postgres;
    postgres.read_only = options.read_only;
    postgres.keyring = options.keyring;
    postgres.writer_observer = options.writer_observer;
    ASSIGN_OR_RETURN(std::unique_ptr<PostgresDecisionLog> log,
                     PostgresDecisionLog::Open(spec, postgres));
    return std::unique_ptr<DecisionLog>(std::move(log));
  }
  ASSIGN_OR_RETURN(std::string path, SqlitePath(spec));
  SqliteDecisionLogOptions sqlite;
  sqlite.read_only = options.read_only;
  sqlite.min_free_bytes = options.min_free_bytes;
  sqlite.quick_check_at_open = options.quick_check;
  sqlite.keyring = options.keyring;
  sqlite.writer_observer = options.writer_observer;
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteDecisionLog> log,
                   SqliteDecisionLog::Open(path, sqlite));
  return std::unique_ptr<DecisionLog>(std::move(log));
}

absl::StatusOr<std::unique_ptr<LogSnapshot>> OpenLogSnapshot(
    const std::string& spec, std::shared_ptr<const LogKeyring> keyring) {
  if (spec == kMemorySpec) {
    return absl::InvalidArgumentError(
        "decision log \"memory:\": an in-memory log has nothing to read "
        "from another process");
  }
  if (IsPostgresSpec(spec)) {
    ASSIGN_OR_RETURN(std::unique_ptr<PgLogSnapshot> snapshot,
                     PgLogSnapshot::Open(spec, std::move(keyring)));
    return std::unique_ptr<LogSnapshot>(std::move(snapshot));
  }
  ASSIGN_OR_RETURN(std::string path, SqlitePath(spec));
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteLogSnapshot> snapshot,
                   SqliteLogSnapshot::Open(path, std::move(keyring)));
  return std::unique_ptr<LogSnapshot>(std::move(snapshot));
}

absl::StatusOr<RekeyResult> RekeyDecisionLog(const std::string& spec,
                                             const LogKeyring& keyring,
                                             const RekeyOptions& options) {
  if (spec == kMemorySpec) {
    return absl::InvalidArgumentError(
        "decision log \"memory:\": an in-memory log keeps plaintext and "
        "cannot be rekeyed");
  }
  if (IsPostgresSpec(spec)) {
    return absl::UnimplementedError(
        "decision log: refundctl rekey works on SQLite logs only; migrate "
        "the log to SQLite, rekey it, and migrate it back");
  }
  ASSIGN_OR_RETURN(std::string path, SqlitePath(spec));
  return RekeySqliteLog(path, keyring, options);
}

}  // namespace refund::server

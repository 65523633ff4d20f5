#include "server/log/postgres/pg_schema.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"

namespace refund::server {
namespace {

// Version 1, whole. decided_at and stored_at are microseconds since the Unix
// epoch; verdict is the refund.v1.Verdict number; request and decision are
// the deterministic protobuf serializations that row_hash covers (decision
// possibly compressed, as decision_codec says, and both sealed with key_id's
// key when it is set). seq is given by the writer holding the chain_head
// row's lock, so it has no gaps and follows the chain. rule_ids are the
// decision's matched rule ids, sorted, each once (ListDecisions' rule
// filter): a column rather than SQLite's decision_rules table, which would
// cost every decision a row and an index entry per rule.
constexpr char kPgSchemaV1[] = R"sql(
CREATE TABLE bundles (
  version   text PRIMARY KEY,
  name      text NOT NULL,
  text      text NOT NULL,
  stored_at bigint NOT NULL
);
CREATE TABLE decision_dictionaries (
  version    text PRIMARY KEY,
  dictionary bytea NOT NULL
);
CREATE TABLE decisions (
  seq            bigint PRIMARY KEY,
  decision_id    text NOT NULL UNIQUE,
  request_id     text NOT NULL UNIQUE,
  refund_id      text NOT NULL,
  shop_id        text NOT NULL,
  verdict        integer NOT NULL,
  decided_at     bigint NOT NULL,
  bundle_version text NOT NULL,
  request        bytea NOT NULL,
  decision       bytea NOT NULL,
  request_sha256 bytea NOT NULL,
  prev_hash      bytea NOT NULL,
  row_hash       bytea NOT NULL,
  decision_codec smallint NOT NULL DEFAULT 0,
  key_id         text,
  rule_ids       text[] NOT NULL
);
CREATE INDEX decisions_by_refund_id ON decisions (refund_id);
CREATE INDEX decisions_by_shop_id ON decisions (shop_id);
CREATE INDEX decisions_by_decided_at ON decisions (decided_at);
CREATE TABLE chain_head (
  id        integer PRIMARY KEY CHECK (id = 1),
  last_seq  bigint NOT NULL,
  last_hash bytea NOT NULL
);
INSERT INTO chain_head (id, last_seq, last_hash)
  VALUES (1, 0, decode(repeat('00', 32), 'hex'));
CREATE TABLE blob_key_ids (
  key_id text PRIMARY KEY
);
)sql";

// Step i brings the schema from version i to i + 1 (none yet): a later
// version appends its step and bumps kPgSchemaVersion.
constexpr const char* kPgMigrations[] = {kPgSchemaV1};
static_assert(sizeof(kPgMigrations) / sizeof(kPgMigrations[0]) ==
                  kPgSchemaVersion,
              "one migration step per schema version");

// Any constant will do, as long as nothing else in the database uses it:
// "refundlg" in ASCII.
constexpr int64_t kMigrationLockKey = 0x726566756e646c67;

absl::Status Annotate(const absl::Status& status, absl::string_view doing) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(status.message(), " (", doing, ")"));
}

// The version in refund_log_schema; 0 when the table is missing.
absl::StatusOr<int64_t> ReadVersion(PgConnection& db) {
  ASSIGN_OR_RETURN(PgResult table,
                   db.Query("SELECT count(*) FROM pg_catalog.pg_class c "
                            "WHERE c.oid = to_regclass('refund_log_schema')"));
  if (table.Int64(0, 0) == 0) return 0;
  ASSIGN_OR_RETURN(PgResult version,
                   db.Query("SELECT version::bigint FROM refund_log_schema"));
  if (version.rows() != 1) {
    return absl::FailedPreconditionError(
        "decision log (postgresql): refund_log_schema does not hold one "
        "version row");
  }
  return version.Int64(0, 0);
}

}  // namespace

absl::Status CreateOrMigratePgSchema(PgConnection& db) {
  RETURN_IF_ERROR(db.Execute("BEGIN"));
  absl::Status status = [&]() -> absl::Status {
    RETURN_IF_ERROR(db.Query(absl::StrCat("SELECT pg_advisory_xact_lock(",
                                          kMigrationLockKey, ")"))
                        .status());
    ASSIGN_OR_RETURN(int64_t version, ReadVersion(db));
    if (version > kPgSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "decision log (postgresql): the database's schema version ", version,
          " is newer than this build's ", kPgSchemaVersion,
          "; run a newer refund-server"));
    }
    if (version == 0) {
      RETURN_IF_ERROR(Annotate(
          db.Execute("CREATE TABLE refund_log_schema (id integer PRIMARY KEY "
                     "CHECK (id = 1), version integer NOT NULL); "
                     "INSERT INTO refund_log_schema VALUES (1, 0)"),
          "creating the log's tables; the role needs CREATE on the schema"));
    }
    for (int64_t step = version; step < kPgSchemaVersion; ++step) {
      RETURN_IF_ERROR(
          Annotate(db.Execute(kPgMigrations[step]),
                   absl::StrCat("migrating to schema version ", step + 1)));
      RETURN_IF_ERROR(db.Execute(
          absl::StrCat("UPDATE refund_log_schema SET version = ", step + 1)));
    }
    return db.Execute("COMMIT");
  }();
  if (!status.ok() && db.Alive()) db.Execute("ROLLBACK").IgnoreError();
  return status;
}

absl::Status CheckReadablePgSchema(PgConnection& db) {
  ASSIGN_OR_RETURN(int64_t version, ReadVersion(db));
  if (version == 0) {
    return absl::FailedPreconditionError(
        "decision log (postgresql): the database holds no decision log (no "
        "refund_log_schema table)");
  }
  if (version > kPgSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "decision log (postgresql): the database's schema version ", version,
        " is newer than this build's ", kPgSchemaVersion,
        "; use a newer refundctl"));
  }
  return absl::OkStatus();
}

absl::Status CheckWritePrivileges(PgConnection& db) {
  struct Needed {
    const char* table;
    const char* privilege;
  };
  static constexpr Needed kNeeded[] = {
      {"decisions", "SELECT"},
      {"decisions", "INSERT"},
      {"chain_head", "SELECT"},
      {"chain_head", "UPDATE"},
      {"bundles", "SELECT"},
      {"bundles", "INSERT"},
      {"decision_dictionaries", "SELECT"},
      {"decision_dictionaries", "INSERT"},
      {"blob_key_ids", "SELECT"},
      {"blob_key_ids", "INSERT"},
  };
  for (const Needed& needed : kNeeded) {
    ASSIGN_OR_RETURN(
        PgResult has,
        db.Query("SELECT has_table_privilege($1, $2)::int::bigint",
                 PgParams().Text(needed.table).Text(needed.privilege)));
    if (has.Int64(0, 0) == 0) {
      return absl::PermissionDeniedError(absl::StrCat(
          "decision log (postgresql): the role may not ", needed.privilege,
          " on table ", needed.table, "; GRANT it"));
    }
  }
  return absl::OkStatus();
}

}  // namespace refund::server

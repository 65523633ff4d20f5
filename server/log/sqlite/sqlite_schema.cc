#include "server/log/sqlite/sqlite_schema.h"

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"

namespace refund::server {

// Schema version 5, whole. decided_at and stored_at are microseconds since
// the Unix epoch; verdict is the refund.v1.Verdict number; request and
// decision are the deterministic protobuf serializations that row_hash covers
// (decision possibly compressed, as decision_codec says: server/log/
// decision_codec.h) and, when key_id is set, both sealed with that key
// (server/log/blob_cipher.h; NULL: plain). blob_key_ids lists every key id
// rows may be sealed with, so that opening the log can name the keys it
// needs without reading every row. chain_head holds the last row's seq and
// row_hash, updated in the same transaction as the rows. decision_rules indexes
// each decision under its matched rule ids (ListDecisions' rule filter).
const char kSqliteSchema[] = R"sql(
CREATE TABLE bundles (
  version   TEXT PRIMARY KEY,
  name      TEXT NOT NULL,
  text      TEXT NOT NULL,
  stored_at INTEGER NOT NULL
);
CREATE TABLE decisions (
  seq            INTEGER PRIMARY KEY,
  decision_id    TEXT NOT NULL UNIQUE,
  request_id     TEXT NOT NULL UNIQUE,
  refund_id      TEXT NOT NULL,
  shop_id        TEXT NOT NULL,
  verdict        INTEGER NOT NULL,
  decided_at     INTEGER NOT NULL,
  bundle_version TEXT NOT NULL REFERENCES bundles(version),
  request        BLOB NOT NULL,
  decision       BLOB NOT NULL,
  request_sha256 BLOB NOT NULL,
  prev_hash      BLOB NOT NULL,
  row_hash       BLOB NOT NULL,
  decision_codec INTEGER NOT NULL DEFAULT 0,
  key_id         TEXT
);
CREATE INDEX decisions_by_refund_id ON decisions(refund_id);
CREATE INDEX decisions_by_shop_id ON decisions(shop_id);
CREATE INDEX decisions_by_decided_at ON decisions(decided_at);
CREATE TABLE decision_rules (
  seq     INTEGER NOT NULL REFERENCES decisions(seq),
  rule_id TEXT NOT NULL,
  PRIMARY KEY (seq, rule_id)
) WITHOUT ROWID;
CREATE TABLE chain_head (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq  INTEGER NOT NULL,
  last_hash BLOB NOT NULL
);
INSERT INTO chain_head (id, last_seq, last_hash) VALUES (1, 0, zeroblob(32));
CREATE TABLE decision_dictionaries (
  version    TEXT PRIMARY KEY,
  dictionary BLOB NOT NULL
);
CREATE TABLE blob_key_ids (
  key_id TEXT PRIMARY KEY
) WITHOUT ROWID;
)sql";

namespace {

// The migrations, each the change from the version before.
// Version 1 (the first schema; a database at version 0 is empty). decided_at
// and stored_at are microseconds since the Unix epoch; verdict is the
// refund.v1.Verdict number; request and decision are the deterministic protobuf
// serializations that row_hash covers.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE bundles (
  version   TEXT PRIMARY KEY,
  name      TEXT NOT NULL,
  text      TEXT NOT NULL,
  stored_at INTEGER NOT NULL
);
CREATE TABLE decisions (
  seq            INTEGER PRIMARY KEY,
  decision_id    TEXT NOT NULL UNIQUE,
  request_id     TEXT NOT NULL UNIQUE,
  refund_id      TEXT NOT NULL,
  shop_id        TEXT NOT NULL,
  verdict        INTEGER NOT NULL,
  decided_at     INTEGER NOT NULL,
  bundle_version TEXT NOT NULL REFERENCES bundles(version),
  request        BLOB NOT NULL,
  decision       BLOB NOT NULL,
  request_sha256 BLOB NOT NULL,
  prev_hash      BLOB NOT NULL,
  row_hash       BLOB NOT NULL
);
CREATE INDEX decisions_by_refund_id ON decisions(refund_id);
CREATE INDEX decisions_by_shop_id ON decisions(shop_id);
CREATE INDEX decisions_by_decided_at ON decisions(decided_at);
CREATE TABLE decision_rules (
  seq     INTEGER NOT NULL REFERENCES decisions(seq),
  rule_id TEXT NOT NULL,
  PRIMARY KEY (seq, rule_id)
) WITHOUT ROWID;
CREATE INDEX decision_rules_by_rule_id ON decision_rules(rule_id, seq);
)sql";

// Schema version 2: the chain head, the last row's seq and row_hash, updated
// in the same transaction as the rows it follows, so that deleting the last
// rows is detectable (a chain alone cannot tell). Initialised from the rows
// already stored.
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE chain_head (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq  INTEGER NOT NULL,
  last_hash BLOB NOT NULL
);
INSERT INTO chain_head (id, last_seq, last_hash) VALUES (1, 0, zeroblob(32));
UPDATE chain_head SET last_seq = d.seq, last_hash = d.row_hash
  FROM (SELECT seq, row_hash FROM decisions ORDER BY seq DESC LIMIT 1) AS d;
)sql";

// Schema version 3: no index of decision_rules by rule id. ListDecisions'
// rule filter walks the decisions in seq order and probes decision_rules by
// its primary key (seq, rule_id), so the index was never read, and it cost
// every decision one more B-tree insert per matched rule.
constexpr char kSchemaV3[] = R"sql(
DROP INDEX IF EXISTS decision_rules_by_rule_id;
)sql";

// Schema version 4: compressed decisions (server/log/decision_codec.h). A
// bundle version may have the dictionary its decisions are compressed with,
// stored once and never changed (apart from the bundle's text, so that
// losing one does not lose the other); each decision row says how its blob
// is kept. Rows written before stay plain (codec 0).
constexpr char kSchemaV4[] = R"sql(
CREATE TABLE decision_dictionaries (
  version    TEXT PRIMARY KEY,
  dictionary BLOB NOT NULL
);
ALTER TABLE decisions ADD COLUMN decision_codec INTEGER NOT NULL DEFAULT 0;
)sql";

// Schema version 5: encrypted blobs (server/log/blob_cipher.h). A row's
// request and decision blobs may be sealed with AES-256-GCM under the key
// named by key_id (NULL: plain, as every row written before). The row hash
// still covers the plaintext, so this changes nothing in the chain.
// blob_key_ids lists the key ids rows may be sealed with (written with the
// rows; `refundctl rekey` removes the ids no row uses any more).
constexpr char kSchemaV5[] = R"sql(
ALTER TABLE decisions ADD COLUMN key_id TEXT;
CREATE TABLE blob_key_ids (
  key_id TEXT PRIMARY KEY
) WITHOUT ROWID;
)sql";

// Step i brings the schema from version i to i + 1. A later schema appends
// a step here, writes its whole DDL in kSqliteSchema and bumps
// kSqliteSchemaVersion; steps run in one transaction each, so a crash leaves
// the database at a whole version.
constexpr SqliteMigration kMigrations[] = {
    {1, kSchemaV1}, {2, kSchemaV2}, {3, kSchemaV3},
    {4, kSchemaV4}, {5, kSchemaV5},
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) ==
                  kSqliteSchemaVersion,
              "one migration step per schema version");

absl::StatusOr<int64_t> ReadVersionNotNewer(SqliteConnection& db) {
  ASSIGN_OR_RETURN(int64_t version, db.QueryInt64("PRAGMA user_version"));
  if (version > kSqliteSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("decision log: schema version ", version,
                     " is newer than this build's ", kSqliteSchemaVersion));
  }
  return version;
}

// Runs `sql` and sets the version to `to_version` in one transaction, if the
// file (its version re-read inside the transaction) is at `from_version`.
absl::Status Step(SqliteConnection& db, const char* sql, int from_version,
                  int to_version) {
  RETURN_IF_ERROR(db.Execute("BEGIN IMMEDIATE"));
  absl::StatusOr<int64_t> version = ReadVersionNotNewer(db);
  absl::Status status = version.status();
  if (status.ok() && *version == from_version) {
    status = db.Execute(sql);
    if (status.ok()) {
      status = db.Execute(absl::StrCat("PRAGMA user_version = ", to_version));
    }
  }
  if (status.ok()) status = db.Execute("COMMIT");
  if (!status.ok() && db.InTransaction()) {
    db.Execute("ROLLBACK").IgnoreError();
  }
  return status;
}

}  // namespace

absl::Span<const SqliteMigration> SqliteMigrations() { return kMigrations; }

absl::Status CreateOrMigrateSchema(SqliteConnection& db) {
  // A new file gets the whole schema at once; then it is past every step.
  RETURN_IF_ERROR(Step(db, kSqliteSchema, 0, kSqliteSchemaVersion));
  for (const SqliteMigration& step : kMigrations) {
    RETURN_IF_ERROR(Step(db, step.sql, step.to_version - 1, step.to_version));
  }
  return absl::OkStatus();
}

absl::Status CheckReadableSchema(SqliteConnection& db) {
  ASSIGN_OR_RETURN(int64_t version, db.QueryInt64("PRAGMA user_version"));
  if (version < kOldestReadableSchemaVersion ||
      version > kSqliteSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "decision log: schema version ", version, ", this build reads ",
        kOldestReadableSchemaVersion, " to ", kSqliteSchemaVersion,
        " read-only (open it once read-write to migrate)"));
  }
  return absl::OkStatus();
}

absl::Status RequireDecisionsTable(SqliteConnection& db,
                                   const std::string& path) {
  ASSIGN_OR_RETURN(int64_t tables,
                   db.QueryInt64("SELECT count(*) FROM sqlite_master WHERE "
                                 "type = 'table' AND name = 'decisions'"));
  if (tables == 0) {
    return absl::FailedPreconditionError(
        path + ": not a decision log (no decisions table)");
  }
  return absl::OkStatus();
}

}  // namespace refund::server

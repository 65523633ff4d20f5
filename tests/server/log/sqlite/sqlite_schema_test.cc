#include "server/log/sqlite/sqlite_schema.h"

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/log_snapshot.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

std::unique_ptr<SqliteConnection> OpenFile(const std::string& path) {
  auto db =
      SqliteConnection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

// Every table's columns (name, type, not null, default, primary key
// position), every index's columns and uniqueness, whether each table has a
// rowid, and the chain head's rows: the schema as SQLite uses it, not the
// text it was created with (ALTER TABLE appends to that text).
std::vector<std::string> Structure(SqliteConnection& db) {
  std::vector<std::string> out;
  auto stmt = db.Prepare(
      "SELECT m.type, m.name, m.tbl_name FROM sqlite_master m "
      "WHERE m.name NOT LIKE 'sqlite_%' ORDER BY m.type, m.name");
  EXPECT_TRUE(stmt.ok()) << stmt.status();
  for (;;) {
    auto has_row = stmt->Step();
    EXPECT_TRUE(has_row.ok());
    if (!has_row.ok() || !*has_row) break;
    const std::string type = stmt->ColumnBytes(0);
    const std::string name = stmt->ColumnBytes(1);
    out.push_back(absl::StrCat(type, " ", name, " on ", stmt->ColumnBytes(2)));
    const std::string info =
        type == "table"
            ? absl::StrCat(
                  "SELECT name || ' ' || type || ' ' || \"notnull\" "
                  "|| ' ' || ifnull(dflt_value, '-') || ' ' || pk "
                  "FROM pragma_table_info('",
                  name, "') ORDER BY cid")
            : absl::StrCat(
                  "SELECT ifnull(name, '-') || ' ' || desc "
                  "FROM pragma_index_xinfo('",
                  name, "') WHERE key ORDER BY seqno");
    auto columns = db.Prepare(info);
    EXPECT_TRUE(columns.ok()) << columns.status();
    for (;;) {
      auto column = columns->Step();
      EXPECT_TRUE(column.ok());
      if (!column.ok() || !*column) break;
      out.push_back("  " + columns->ColumnBytes(0));
    }
  }
  auto without_rowid = db.QueryInt64(
      "SELECT count(*) FROM pragma_index_list('decision_rules') "
      "WHERE origin = 'pk'");
  EXPECT_TRUE(without_rowid.ok());
  out.push_back(absl::StrCat("decision_rules pk indexes ", *without_rowid));
  auto head = db.QueryText(
      "SELECT id || ' ' || last_seq || ' ' || hex(last_hash) FROM chain_head");
  out.push_back("chain_head " + (head.ok() ? *head : head.status().ToString()));
  auto version = db.QueryInt64("PRAGMA user_version");
  out.push_back(absl::StrCat("user_version ", version.ok() ? *version : -1));
  return out;
}

// A file at `version`, made by the migration steps up to it, as a build of
// that version left it.
void MakeOldFile(const std::string& path, int version) {
  std::unique_ptr<SqliteConnection> db = OpenFile(path);
  const absl::Span<const SqliteMigration> steps = SqliteMigrations();
  ASSERT_EQ(static_cast<int>(steps.size()), kSqliteSchemaVersion);
  for (int i = 0; i < version; ++i) {
    ASSERT_TRUE(db->Execute(steps[i].sql).ok()) << steps[i].to_version;
  }
  ASSERT_TRUE(
      db->Execute(absl::StrCat("PRAGMA user_version = ", version)).ok());
}

TEST(SqliteSchemaTest, NewFileGetsTheCurrentVersion) {
  testing::TempDir dir;
  std::unique_ptr<SqliteConnection> db = OpenFile(dir.path() + "/new.db");
  ASSERT_TRUE(CreateOrMigrateSchema(*db).ok());
  EXPECT_EQ(*db->QueryInt64("PRAGMA user_version"), kSqliteSchemaVersion);
  EXPECT_EQ(*db->QueryInt64("SELECT last_seq FROM chain_head WHERE id = 1"), 0);
}

TEST(SqliteSchemaTest, EveryOldVersionMigratesToExactlyTheNewSchema) {
  testing::TempDir dir;
  std::unique_ptr<SqliteConnection> fresh = OpenFile(dir.path() + "/new.db");
  ASSERT_TRUE(CreateOrMigrateSchema(*fresh).ok());
  const std::vector<std::string> want = Structure(*fresh);
  ASSERT_GT(want.size(), 20u);
  for (int version = 1; version < kSqliteSchemaVersion; ++version) {
    SCOPED_TRACE(absl::StrCat("from version ", version));
    const std::string path = absl::StrCat(dir.path(), "/v", version, ".db");
    MakeOldFile(path, version);
    std::unique_ptr<SqliteConnection> old = OpenFile(path);
    ASSERT_TRUE(CreateOrMigrateSchema(*old).ok());
    EXPECT_EQ(Structure(*old), want);
  }
}

TEST(SqliteSchemaTest, MigratingTwiceChangesNothing) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/v1.db";
  MakeOldFile(path, 1);
  std::unique_ptr<SqliteConnection> db = OpenFile(path);
  ASSERT_TRUE(CreateOrMigrateSchema(*db).ok());
  const std::vector<std::string> once = Structure(*db);
  ASSERT_TRUE(CreateOrMigrateSchema(*db).ok());
  EXPECT_EQ(Structure(*db), once);
}

TEST(SqliteSchemaTest, NewerFileIsRefusedAndLeftAlone) {
  testing::TempDir dir;
  std::unique_ptr<SqliteConnection> db = OpenFile(dir.path() + "/next.db");
  ASSERT_TRUE(db->Execute(absl::StrCat("PRAGMA user_version = ",
                                       kSqliteSchemaVersion + 1))
                  .ok());
  EXPECT_THAT(CreateOrMigrateSchema(*db),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("newer than this build")));
  EXPECT_EQ(*db->QueryInt64("SELECT count(*) FROM sqlite_master"), 0);
}

// What a copy of the log stores again (server/log/log_copier.h): each
// bundle's name at every version, and its dictionary from version 4, when
// decision_dictionaries came (none before).
TEST(SqliteSchemaTest, SnapshotOfEveryVersionGivesBundleNamesAndDictionaries) {
  testing::TempDir dir;
  for (int version = 1; version <= kSqliteSchemaVersion; ++version) {
    SCOPED_TRACE(absl::StrCat("version ", version));
    const std::string path = absl::StrCat(dir.path(), "/v", version, ".db");
    MakeOldFile(path, version);
    {
      std::unique_ptr<SqliteConnection> db = OpenFile(path);
      ASSERT_TRUE(db->Execute("INSERT INTO bundles (version, name, text, "
                              "stored_at) VALUES ('v-a', 'first', 'text a', "
                              "1), ('v-b', 'second', 'text b', 2)")
                      .ok());
      if (version >= 4) {
        ASSERT_TRUE(db->Execute("INSERT INTO decision_dictionaries (version, "
                                "dictionary) VALUES ('v-a', x'00ff10')")
                        .ok());
      }
    }
    absl::StatusOr<std::unique_ptr<SqliteLogSnapshot>> snapshot =
        SqliteLogSnapshot::Open(path);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    absl::StatusOr<std::vector<StoredBundleText>> bundles =
        (*snapshot)->Bundles();
    ASSERT_TRUE(bundles.ok()) << bundles.status();
    ASSERT_EQ(bundles->size(), 2u);
    std::sort(bundles->begin(), bundles->end(),
              [](const StoredBundleText& a, const StoredBundleText& b) {
                return a.version < b.version;
              });
    EXPECT_EQ((*bundles)[0].name, "first");
    EXPECT_EQ((*bundles)[0].text, "text a");
    EXPECT_EQ((*bundles)[0].decision_dictionary,
              version >= 4 ? std::string("\x00\xff\x10", 3) : "");
    EXPECT_EQ((*bundles)[1].name, "second");
    EXPECT_EQ((*bundles)[1].decision_dictionary, "");
  }
}

TEST(SqliteSchemaTest, ReadOnlyOpensReadVersionsTwoToCurrent) {
  testing::TempDir dir;
  for (int version = 0; version <= kSqliteSchemaVersion + 1; ++version) {
    SCOPED_TRACE(absl::StrCat("version ", version));
    std::unique_ptr<SqliteConnection> db =
        OpenFile(absl::StrCat(dir.path(), "/r", version, ".db"));
    ASSERT_TRUE(
        db->Execute(absl::StrCat("PRAGMA user_version = ", version)).ok());
    const bool readable = version >= kOldestReadableSchemaVersion &&
                          version <= kSqliteSchemaVersion;
    EXPECT_EQ(CheckReadableSchema(*db).ok(), readable);
  }
}

}  // namespace
}  // namespace refund::server

#include "server/log/sqlite/wal_write_combining_vfs.h"

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

class WalWriteCombiningVfsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(WalWriteCombiningVfs(), nullptr); }

  // A connection through the combining VFS, set up as the decision log's
  // writer is (WAL, synchronous=FULL).
  std::unique_ptr<SqliteConnection> Writer() {
    auto db = SqliteConnection::Open(path_,
                                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                     WalWriteCombiningVfs());
    EXPECT_TRUE(db.ok()) << db.status();
    EXPECT_EQ(*(*db)->QueryText("PRAGMA journal_mode = WAL"), "wal");
    EXPECT_TRUE((*db)->Execute("PRAGMA synchronous = FULL").ok());
    return *std::move(db);
  }

  // A connection through the default VFS.
  std::unique_ptr<SqliteConnection> Reader() {
    auto db = SqliteConnection::Open(path_, SQLITE_OPEN_READWRITE);
    EXPECT_TRUE(db.ok()) << db.status();
    return *std::move(db);
  }

  // Inserts `rows` rows of `bytes` bytes each in one transaction.
  static void InsertRows(SqliteConnection& db, int first, int rows, int bytes) {
    ASSERT_TRUE(db.Execute("BEGIN IMMEDIATE").ok());
    for (int i = first; i < first + rows; ++i) {
      ASSERT_TRUE(db.Execute(absl::StrCat("INSERT INTO t VALUES (", i,
                                          ", randomblob(", bytes, "))"))
                      .ok());
    }
    ASSERT_TRUE(db.Execute("COMMIT").ok());
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/test.db";
};

TEST_F(WalWriteCombiningVfsTest, CommitsAreVisibleToOtherConnectionsAtOnce) {
  std::unique_ptr<SqliteConnection> writer = Writer();
  ASSERT_TRUE(
      writer->Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)").ok());
  std::unique_ptr<SqliteConnection> reader = Reader();
  for (int round = 0; round < 20; ++round) {
    InsertRows(*writer, round * 10, 10, 3000);
    // Each commit is readable through another file handle right after it
    // returns: its frames were handed down before the commit's sync.
    EXPECT_EQ(*reader->QueryInt64("SELECT count(*) FROM t"), (round + 1) * 10);
  }
  EXPECT_EQ(*reader->QueryText("PRAGMA integrity_check"), "ok");
}

TEST_F(WalWriteCombiningVfsTest, LargeTransactionsAreWrittenInFewCalls) {
  std::unique_ptr<SqliteConnection> writer = Writer();
  ASSERT_TRUE(
      writer->Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)").ok());
  const int64_t before = WalWritesHandedDown();
  // ~2 MB of frames, far more than one buffer and more than the default
  // VFS writes in one call.
  InsertRows(*writer, 0, 500, 4000);
  const int64_t calls = WalWritesHandedDown() - before;
  // SQLite asks for two writes per frame (header, page), 1,000+ frames.
  EXPECT_GT(calls, 0);
  EXPECT_LT(calls, 100);
  writer.reset();

  std::unique_ptr<SqliteConnection> reader = Reader();
  EXPECT_EQ(*reader->QueryInt64("SELECT count(*) FROM t"), 500);
  EXPECT_EQ(*reader->QueryInt64("SELECT sum(length(b)) FROM t"), 500 * 4000);
  EXPECT_EQ(*reader->QueryText("PRAGMA integrity_check"), "ok");
}

TEST_F(WalWriteCombiningVfsTest, CheckpointsWriteTheDatabaseFileUngathered) {
  std::unique_ptr<SqliteConnection> writer = Writer();
  ASSERT_TRUE(writer->Execute("PRAGMA wal_autocheckpoint = 0").ok());
  ASSERT_TRUE(
      writer->Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)").ok());
  InsertRows(*writer, 0, 400, 4000);
  std::unique_ptr<SqliteConnection> reader = Reader();
  ASSERT_EQ(*reader->QueryInt64("SELECT count(*) FROM t"), 400);
  reader.reset();

  // A checkpoint through another connection of the VFS, as the decision
  // log's checkpointer runs it: ~800 pages copied into the database file.
  auto checkpointer = SqliteConnection::Open(path_, SQLITE_OPEN_READWRITE,
                                             WalWriteCombiningVfs());
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
  const int64_t before = WalWritesHandedDown();
  ASSERT_TRUE((*checkpointer)->Execute("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  // The database file's writes go straight down, each one's error reported
  // to SQLite (wal_write_combining_vfs.h says why), and TRUNCATE writes
  // nothing to the WAL.
  EXPECT_EQ(WalWritesHandedDown() - before, 0);
  EXPECT_EQ(std::filesystem::file_size(path_ + "-wal"), 0u);
  checkpointer->reset();
  writer.reset();

  // Everything is in the database file now: read it without the WAL.
  auto plain = SqliteConnection::Open(path_, SQLITE_OPEN_READONLY);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*(*plain)->QueryInt64("SELECT sum(length(b)) FROM t"), 400 * 4000);
  EXPECT_EQ(*(*plain)->QueryText("PRAGMA integrity_check"), "ok");
}

TEST_F(WalWriteCombiningVfsTest, PagesSpilledMidTransactionReadBackCorrectly) {
  std::unique_ptr<SqliteConnection> writer = Writer();
  // A tiny page cache: a large transaction writes frames to the WAL before
  // it commits and reads them back (through the buffer's hand-down).
  ASSERT_TRUE(writer->Execute("PRAGMA cache_size = 10").ok());
  ASSERT_TRUE(
      writer->Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)").ok());
  ASSERT_TRUE(writer->Execute("BEGIN IMMEDIATE").ok());
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(writer
                    ->Execute(absl::StrCat("INSERT INTO t VALUES (", i,
                                           ", zeroblob(2000))"))
                    .ok());
  }
  ASSERT_TRUE(writer->Execute("UPDATE t SET b = randomblob(2100)").ok());
  EXPECT_EQ(*writer->QueryInt64("SELECT sum(length(b)) FROM t"), 300 * 2100);
  ASSERT_TRUE(writer->Execute("COMMIT").ok());
  writer.reset();
  std::unique_ptr<SqliteConnection> reader = Reader();
  EXPECT_EQ(*reader->QueryInt64("SELECT sum(length(b)) FROM t"), 300 * 2100);
  EXPECT_EQ(*reader->QueryText("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace refund::server

// The SQLite store notices when the ground moves under it: a database file
// deleted or moved while open, failing commits, a corrupt page, a chain head
// that does not name the last row; and it creates its files private.
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "refund/v1/refund.pb.h"
#include "server/log/log_entry.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::refund::testing::TempDir;
using ::testing::HasSubstr;

constexpr char kVersion[] = "health-test-version";

DecisionLogEntry Entry(int n, size_t padding = 0) {
  v1::RefundRequest request;
  request.set_request_id(absl::StrCat("req-", n));
  request.set_refund_id("refund-1");
  request.set_shop_id("shop-1");
  request.set_locale(std::string(padding, 'x'));
  v1::Decision decision;
  decision.set_decision_id(absl::StrCat("dec-", n));
  decision.set_request_id(request.request_id());
  decision.set_verdict(v1::VERDICT_APPROVE);
  decision.mutable_decided_at()->set_seconds(1700000000 + n);
  return MakeLogEntry(request, decision, kVersion);
}

absl::Status Append(DecisionLog& log, DecisionLogEntry entry) {
  absl::Status status;
  absl::Notification done;
  log.Append(std::move(entry), [&](absl::StatusOr<std::string> outcome) {
    status = outcome.status();
    done.Notify();
  });
  done.WaitForNotification();
  return status;
}

std::unique_ptr<SqliteDecisionLog> OpenLog(
    const std::string& path, const SqliteDecisionLogOptions& options = {}) {
  absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
      SqliteDecisionLog::Open(path, options);
  EXPECT_TRUE(log.ok()) << log.status();
  if (!log.ok()) return nullptr;
  // Refused, like every write, when the log is not serving.
  (*log)->PutBundle(kVersion, "health", "text", "").IgnoreError();
  return *std::move(log);
}

int ModeOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

// A closed log at `path` of 200 rows (several pages of the decisions table)
// with 8 KiB in the middle of the file overwritten, as a failing disk would.
void WriteLogWithACorruptMiddle(const std::string& path) {
  {
    auto log = OpenLog(path);
    ASSERT_NE(log, nullptr);
    for (int n = 1; n <= 200; ++n) {
      ASSERT_TRUE(Append(*log, Entry(n, 2000)).ok());
    }
  }
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 64u * 4096u);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(size / 2 / 4096 * 4096));
  const std::string garbage(8192, '\x5a');
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  ASSERT_TRUE(file.good());
}

TEST(SqliteLogHealthTest, NewLogIsServing) {
  TempDir dir;
  auto log = OpenLog(dir.path() + "/decisions.db");
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(log->Health().serving);
  EXPECT_TRUE(Append(*log, Entry(1)).ok());
  EXPECT_TRUE(log->Health().serving);
}

TEST(SqliteLogHealthTest, DeletedDatabaseStopsAcknowledgingAndHealth) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  auto log = OpenLog(data + "/decisions.db");
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(Append(*log, Entry(1)).ok());

  std::filesystem::remove_all(data);
  // SQLite would go on writing to the deleted inode: nothing written now
  // could ever be read again, so nothing is acknowledged.
  EXPECT_THAT(Append(*log, Entry(2)), StatusIs(absl::StatusCode::kUnavailable,
                                               HasSubstr("moved or deleted")));
  LogHealth health = log->Health();
  EXPECT_FALSE(health.serving);
  EXPECT_THAT(health.reason, HasSubstr("moved or deleted"));
  // For good: later appends are refused too.
  EXPECT_THAT(Append(*log, Entry(3)), StatusIs(absl::StatusCode::kUnavailable,
                                               HasSubstr("not serving")));
  EXPECT_FALSE(log->Health().serving);
}

TEST(SqliteLogHealthTest, MovedDatabaseStopsAcknowledging) {
  TempDir dir;
  const std::string path = dir.path() + "/decisions.db";
  auto log = OpenLog(path);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(Append(*log, Entry(1)).ok());
  std::filesystem::rename(path, dir.path() + "/elsewhere.db");
  EXPECT_THAT(Append(*log, Entry(2)), StatusIs(absl::StatusCode::kUnavailable,
                                               HasSubstr("moved or deleted")));
  EXPECT_FALSE(log->Health().serving);
}

TEST(SqliteLogHealthTest, FailingCommitsTurnHealthOffUntilTheNextGoodOne) {
  TempDir dir;
  SqliteDecisionLogOptions options;
  options.max_page_count = 64;  // 256 KiB: small entries fit, 1 MiB not
  auto log = OpenLog(dir.path() + "/decisions.db", options);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(Append(*log, Entry(1)).ok());

  EXPECT_THAT(Append(*log, Entry(2, 1 << 20)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("full")));
  LogHealth health = log->Health();
  EXPECT_FALSE(health.serving);
  EXPECT_THAT(health.reason, HasSubstr("full"));

  // A passing trouble: the next commit that succeeds turns health back on.
  EXPECT_TRUE(Append(*log, Entry(3)).ok());
  EXPECT_TRUE(log->Health().serving);
}

TEST(SqliteLogHealthTest, FreeSpaceFloorRefusesBeforeTheDiskIsFull) {
  TempDir dir;
  SqliteDecisionLogOptions options;
  // More than any disk this test runs on has free.
  options.min_free_bytes = int64_t{1} << 60;
  auto log = OpenLog(dir.path() + "/decisions.db", options);
  ASSERT_NE(log, nullptr);
  EXPECT_THAT(Append(*log, Entry(1)), StatusIs(absl::StatusCode::kUnavailable,
                                               HasSubstr("below the floor")));
  EXPECT_FALSE(log->Health().serving);
  EXPECT_THAT(log->Health().reason, HasSubstr("below the floor"));
}

TEST(SqliteLogHealthTest, ChainHeadNotNamingTheLastRowStopsAcknowledging) {
  TempDir dir;
  const std::string path = dir.path() + "/decisions.db";
  {
    auto log = OpenLog(path);
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(Append(*log, Entry(1)).ok());
    ASSERT_TRUE(Append(*log, Entry(2)).ok());
  }
  {
    // The last row deleted while the server was down.
    auto db = SqliteConnection::Open(path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Execute("DELETE FROM decisions WHERE seq = 2").ok());
  }
  auto log = OpenLog(path);
  ASSERT_NE(log, nullptr);
  LogHealth health = log->Health();
  EXPECT_FALSE(health.serving);
  EXPECT_THAT(health.reason, HasSubstr("chain head names seq 2"));
  EXPECT_THAT(Append(*log, Entry(3)), StatusIs(absl::StatusCode::kUnavailable,
                                               HasSubstr("not serving")));
  // What is stored can still be read, for the audit.
  EXPECT_TRUE(log->GetDecision("dec-1").ok());
}

TEST(SqliteLogHealthTest, CorruptPageFoundByAReadStopsAcknowledging) {
  TempDir dir;
  const std::string path = dir.path() + "/decisions.db";
  ASSERT_NO_FATAL_FAILURE(WriteLogWithACorruptMiddle(path));
  auto log = OpenLog(path);
  ASSERT_NE(log, nullptr);
  // A read over every row meets the corrupt pages.
  DecisionFilter filter;
  filter.page_size = kMaxPageSize;
  absl::StatusOr<DecisionPage> page = log->ListDecisions(filter);
  EXPECT_THAT(page, StatusIs(absl::StatusCode::kDataLoss, HasSubstr("")));
  EXPECT_FALSE(log->Health().serving);
  EXPECT_THAT(
      Append(*log, Entry(1000)),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("not serving")));
}

TEST(SqliteLogHealthTest, QuickCheckAtOpenFindsACorruptFile) {
  TempDir dir;
  const std::string path = dir.path() + "/decisions.db";
  ASSERT_NO_FATAL_FAILURE(WriteLogWithACorruptMiddle(path));
  SqliteDecisionLogOptions options;
  options.quick_check_at_open = true;
  absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
      SqliteDecisionLog::Open(path, options);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_FALSE((*log)->Health().serving);
  EXPECT_THAT((*log)->Health().reason, HasSubstr("quick_check"));
}

TEST(SqliteLogHealthTest, NewFilesArePrivate) {
  TempDir dir;
  const std::string data = dir.path() + "/private/data";
  const std::string path = data + "/decisions.db";
  auto log = OpenLog(path);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(Append(*log, Entry(1)).ok());
  EXPECT_EQ(ModeOf(dir.path() + "/private"), 0700);
  EXPECT_EQ(ModeOf(data), 0700);
  EXPECT_EQ(ModeOf(path), 0600);
  EXPECT_EQ(ModeOf(path + "-wal"), 0600);
  EXPECT_EQ(ModeOf(path + "-shm"), 0600);
}

TEST(SqliteLogHealthTest, FileModesCanBeChosen) {
  TempDir dir;
  const std::string path = dir.path() + "/shared/decisions.db";
  SqliteDecisionLogOptions options;
  options.file_mode = 0640;
  options.directory_mode = 0750;
  auto log = OpenLog(path, options);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(Append(*log, Entry(1)).ok());
  EXPECT_EQ(ModeOf(dir.path() + "/shared"), 0750);
  EXPECT_EQ(ModeOf(path), 0640);
}

}  // namespace
}  // namespace refund::server

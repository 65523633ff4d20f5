// One writer per SQLite log file (server/log/sqlite/log_file_lock.h): a
// second writer is refused before it touches the file, readers are not, and
// the lock goes with its holder.
#include "server/log/sqlite/log_file_lock.h"

#include <unistd.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::refund::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(LogFileLockTest, SecondHolderIsRefusedNamingTheLogAndThePid) {
  TempDir dir;
  const std::string log = dir.path() + "/decisions.db";
  absl::StatusOr<LogFileLock> first = LogFileLock::Acquire(log, 0600);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(
      LogFileLock::Acquire(log, 0600),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr(log),
                     HasSubstr(absl::StrCat("in use by another process (pid ",
                                            getpid(), ")")))));
}

TEST(LogFileLockTest, ReleasedWhenTheHolderGoes) {
  TempDir dir;
  const std::string log = dir.path() + "/decisions.db";
  {
    absl::StatusOr<LogFileLock> first = LogFileLock::Acquire(log, 0600);
    ASSERT_TRUE(first.ok()) << first.status();
    LogFileLock moved = *std::move(first);
  }
  EXPECT_TRUE(LogFileLock::Acquire(log, 0600).ok());
}

TEST(LogFileLockTest, SecondWriterOfALogIsRefusedReadersAreNot) {
  TempDir dir;
  const std::string path = dir.path() + "/decisions.db";
  absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> writer =
      SqliteDecisionLog::Open(path);
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_THAT(SqliteDecisionLog::Open(path),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("in use by another process")));
  SqliteDecisionLogOptions read_only;
  read_only.read_only = true;
  EXPECT_TRUE(SqliteDecisionLog::Open(path, read_only).ok());

  // Closed: nothing more is written, so another writer may open it.
  (*writer)->Close();
  EXPECT_TRUE(SqliteDecisionLog::Open(path).ok());
}

}  // namespace
}  // namespace refund::server

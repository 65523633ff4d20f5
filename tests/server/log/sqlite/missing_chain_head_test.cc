// The chain head row is what makes deleting the last rows detectable; the
// verifier reports it when it is gone.
#include <sqlite3.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/log_verifier.h"
#include "server/log/open/open_decision_log.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "tests/testing/log_builder.h"

namespace refund::server {
namespace {

using ::testing::HasSubstr;

TEST(MissingChainHeadTest, DeletedChainHeadRowIsReported) {
  auto stored = testing::StoredLog::Create(5);
  ASSERT_TRUE(stored.ok()) << stored.status();
  const std::string path = (*stored)->path;
  (*stored)->log->Close();
  {
    auto db = SqliteConnection::Open(path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Execute("DELETE FROM chain_head").ok());
  }
  auto snapshot = OpenLogSnapshot(path);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  absl::StatusOr<VerifyReport> report = VerifyLog(**snapshot, 10);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->rows_checked, 5);
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_EQ(report->problems[0].kind, "HEAD_MISMATCH");
  EXPECT_THAT(report->problems[0].message,
              HasSubstr("chain head row is missing"));
}

}  // namespace
}  // namespace refund::server

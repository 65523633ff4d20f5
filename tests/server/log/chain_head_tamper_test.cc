// The verifier compares the chain head (last seq and row_hash, kept apart
// from the rows) with the last row: a head whose seq alone, or whose hash
// alone, no longer names the last row is reported (log_verifier.h,
// HEAD_MISMATCH).
#include <sqlite3.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/log_verifier.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"
#include "tests/testing/log_builder.h"

namespace refund::server {
namespace {

using ::testing::HasSubstr;

constexpr int kRows = 20;

class LogVerifierChainHeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stored = testing::StoredLog::Create(kRows);
    ASSERT_TRUE(stored.ok()) << stored.status();
    stored_ = *std::move(stored);
    stored_->log.reset();  // closed: only the attacker writes now
  }

  // Runs `sql` on the file, as someone with write access to it would.
  void Tamper(const std::string& sql) {
    auto db = SqliteConnection::Open(stored_->path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Execute(sql).ok()) << sql;
  }

  VerifyReport Verify() {
    auto snapshot = SqliteLogSnapshot::Open(stored_->path);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    if (!snapshot.ok()) return VerifyReport();
    absl::StatusOr<VerifyReport> report = VerifyLog(**snapshot);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.value_or(VerifyReport());
  }

  std::unique_ptr<testing::StoredLog> stored_;
};

TEST_F(LogVerifierChainHeadTest, IntactChainHeadIsOk) {
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok);
  EXPECT_TRUE(report.has_chain_head);
  EXPECT_EQ(report.last_seq, kRows);
}

TEST_F(LogVerifierChainHeadTest, HeadWithAnotherSeqAndTheRightHashIsReported) {
  // The hash is the last row's; only the seq is wrong.
  Tamper("UPDATE chain_head SET last_seq = last_seq + 1");
  VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "HEAD_MISMATCH");
  EXPECT_EQ(report.problems[0].seq, kRows + 1);
  EXPECT_THAT(report.problems[0].message,
              HasSubstr("the last rows were deleted"));
}

TEST_F(LogVerifierChainHeadTest,
       HeadWithAnEarlierSeqAndTheRightHashIsReported) {
  Tamper("UPDATE chain_head SET last_seq = last_seq - 1");
  VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "HEAD_MISMATCH");
  EXPECT_EQ(report.problems[0].seq, kRows - 1);
  EXPECT_THAT(report.problems[0].message,
              HasSubstr("the log was altered at its end"));
}

TEST_F(LogVerifierChainHeadTest, HeadWithTheRightSeqAndAnotherHashIsReported) {
  // The seq is the last row's; the hash is the row before it's.
  Tamper(
      "UPDATE chain_head SET last_hash = "
      "(SELECT row_hash FROM decisions WHERE seq = chain_head.last_seq - 1)");
  VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "HEAD_MISMATCH");
  EXPECT_EQ(report.problems[0].seq, kRows);
  EXPECT_THAT(report.problems[0].message,
              HasSubstr("the log was altered at its end"));
}

TEST_F(LogVerifierChainHeadTest, HeadWithSeqAndHashOfAnEarlierRowIsReported) {
  // Both differ: the head names row kRows - 1 as the last.
  Tamper(
      "UPDATE chain_head SET last_seq = last_seq - 1, last_hash = "
      "(SELECT row_hash FROM decisions WHERE seq = chain_head.last_seq - 1)");
  VerifyReport report = Verify();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "HEAD_MISMATCH");
  EXPECT_EQ(report.problems[0].seq, kRows - 1);
}

}  // namespace
}  // namespace refund::server

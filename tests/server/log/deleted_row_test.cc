// A row deleted from the middle of the log (with its rule index rows, so
// that only the chain can tell) is reported where the log resumes: SEQ_GAP
// at the next row, naming the missing seq, then PREV_HASH_MISMATCH there
// (log_verifier.h).
#include <sqlite3.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/log/log_verifier.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"
#include "tests/testing/log_builder.h"

namespace refund::server {
namespace {

constexpr int kRows = 20;

class LogVerifierDeletedRowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stored = testing::StoredLog::Create(kRows);
    ASSERT_TRUE(stored.ok()) << stored.status();
    stored_ = *std::move(stored);
    stored_->log.reset();
  }

  // Deletes the rows seq in [first, last] and their rule index rows.
  void DeleteRows(int first, int last) {
    auto db = SqliteConnection::Open(stored_->path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.ok()) << db.status();
    const std::string where =
        absl::StrCat(" WHERE seq BETWEEN ", first, " AND ", last);
    ASSERT_TRUE((*db)
                    ->Execute(absl::StrCat("DELETE FROM decision_rules", where,
                                           "; DELETE FROM decisions", where))
                    .ok());
  }

  VerifyReport Verify() {
    auto snapshot = SqliteLogSnapshot::Open(stored_->path);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    if (!snapshot.ok()) return VerifyReport();
    absl::StatusOr<VerifyReport> report = VerifyLog(**snapshot);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.value_or(VerifyReport());
  }

  // The decision id stored at `seq` before anything was deleted.
  std::string DecisionIdAt(int seq) const {
    return stored_->decisions[seq - 1].decision_id();
  }

  std::unique_ptr<testing::StoredLog> stored_;
};

TEST_F(LogVerifierDeletedRowTest,
       DeletedMiddleRowIsReportedAsASeqGapAtTheNextRow) {
  DeleteRows(8, 8);
  VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.rows_checked, kRows - 1);
  EXPECT_EQ(report.problem_count, 2);
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].kind, "SEQ_GAP");
  EXPECT_EQ(report.problems[0].seq, 9);
  EXPECT_EQ(report.problems[0].decision_id, DecisionIdAt(9));
  EXPECT_EQ(report.problems[0].message, "seq 8 is missing (deleted)");
  EXPECT_EQ(report.problems[1].kind, "PREV_HASH_MISMATCH");
  EXPECT_EQ(report.problems[1].seq, 9);
}

TEST_F(LogVerifierDeletedRowTest, DeletedRunOfRowsIsReportedOnceAtTheNextRow) {
  DeleteRows(8, 10);
  VerifyReport report = Verify();
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].kind, "SEQ_GAP");
  EXPECT_EQ(report.problems[0].seq, 11);
  EXPECT_EQ(report.problems[0].message,
            "seq 11 follows seq 7: the rows in between are missing or moved");
  EXPECT_EQ(report.problems[1].kind, "PREV_HASH_MISMATCH");
  EXPECT_EQ(report.problems[1].seq, 11);
}

TEST_F(LogVerifierDeletedRowTest, DeletedFirstRowIsReportedAtTheNewFirstRow) {
  DeleteRows(1, 1);
  VerifyReport report = Verify();
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[0].kind, "SEQ_GAP");
  EXPECT_EQ(report.problems[0].seq, 2);
  EXPECT_EQ(report.problems[0].message, "seq 1 is missing (deleted)");
  EXPECT_EQ(report.problems[1].kind, "PREV_HASH_MISMATCH");
  EXPECT_EQ(report.problems[1].seq, 2);
}

}  // namespace
}  // namespace refund::server

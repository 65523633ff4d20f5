#include "server/log/log_verifier.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/audit/verify_report_proto.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"
#include "tests/testing/log_builder.h"
#include "tests/testing/status_matchers.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;

absl::StatusOr<VerifyReport> VerifyFile(const std::string& path,
                                        int max_problems = 0) {
  auto snapshot = SqliteLogSnapshot::Open(path);
  if (!snapshot.ok()) return snapshot.status();
  return VerifyLog(**snapshot, max_problems);
}

class LogVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stored = testing::StoredLog::Create(40);
    ASSERT_TRUE(stored.ok()) << stored.status();
    stored_ = *std::move(stored);
  }

  // Runs `sql` on the file through a connection of its own, as an attacker
  // with write access would.
  void Tamper(const std::string& sql) {
    auto db = SqliteConnection::Open(stored_->path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Execute(sql).ok()) << sql;
  }

  // The report in the VerifyDecisionLog RPC's form, as clients see it.
  v1::VerifyDecisionLogResponse Verify(int max_problems = 0) {
    auto report = VerifyFile(stored_->path, max_problems);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? ToProto(*report) : v1::VerifyDecisionLogResponse();
  }

  std::unique_ptr<testing::StoredLog> stored_;
};

TEST_F(LogVerifierTest, IntactLogIsOk) {
  v1::VerifyDecisionLogResponse report = Verify();
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.rows_checked(), 40);
  EXPECT_EQ(report.bundles_checked(), 1);
  EXPECT_EQ(report.problem_count(), 0);
  EXPECT_EQ(report.last_seq(), 40);
  EXPECT_EQ(report.last_row_hash().size(), 64u);
  EXPECT_TRUE(report.has_chain_head());
}

TEST(LogVerifierStopTest, AsksEveryStopCheckRowsAndEndsCancelled) {
  auto stored = testing::StoredLog::Create(kVerifyStopCheckRows + 10);
  ASSERT_TRUE(stored.ok()) << stored.status();
  auto snapshot = SqliteLogSnapshot::Open((*stored)->path);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  int asked = 0;
  EXPECT_THAT(VerifyLog(**snapshot, 0, [&asked] { return ++asked == 2; }),
              StatusIs(absl::StatusCode::kCancelled,
                       HasSubstr(absl::StrCat("stopped after ",
                                              kVerifyStopCheckRows, " rows"))));
  EXPECT_EQ(asked, 2);
}

TEST_F(LogVerifierTest, NeverStoppedVerifiesTheWholeLog) {
  auto snapshot = SqliteLogSnapshot::Open(stored_->path);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  absl::StatusOr<VerifyReport> report =
      VerifyLog(**snapshot, 0, [] { return false; });
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_checked, 40);
}

TEST_F(LogVerifierTest, EditedShopColumnIsNamed) {
  Tamper("UPDATE decisions SET shop_id = 'other' WHERE seq = 7");
  v1::VerifyDecisionLogResponse report = Verify();
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.problems_size(), 1);
  EXPECT_EQ(report.problems(0).seq(), 7);
  EXPECT_EQ(report.problems(0).decision_id(), "d-6");
  EXPECT_EQ(report.problems(0).kind(), "COLUMN_MISMATCH");
  EXPECT_THAT(report.problems(0).message(), HasSubstr("shop_id"));
}

TEST_F(LogVerifierTest, AddedRuleRowIsNamed) {
  Tamper("INSERT INTO decision_rules (seq, rule_id) VALUES (3, 'made.up')");
  v1::VerifyDecisionLogResponse report = Verify();
  ASSERT_EQ(report.problems_size(), 1);
  EXPECT_EQ(report.problems(0).seq(), 3);
  EXPECT_EQ(report.problems(0).kind(), "RULES_MISMATCH");
  EXPECT_THAT(report.problems(0).message(), HasSubstr("made.up"));
}

TEST_F(LogVerifierTest, RewrittenChainIsCaughtByItsSuccessor) {
  // The attacker edits row 5 and recomputes its row_hash (here: copies row
  // 6's, any value other than the true one): row 6 no longer links to it.
  Tamper(
      "UPDATE decisions SET row_hash = (SELECT row_hash FROM decisions WHERE "
      "seq = 6) WHERE seq = 5");
  v1::VerifyDecisionLogResponse report = Verify();
  ASSERT_GE(report.problems_size(), 2);
  EXPECT_EQ(report.problems(0).seq(), 5);
  EXPECT_EQ(report.problems(0).kind(), "ROW_HASH_MISMATCH");
  EXPECT_EQ(report.problems(1).seq(), 6);
  EXPECT_EQ(report.problems(1).kind(), "PREV_HASH_MISMATCH");
}

TEST_F(LogVerifierTest, CorruptDecisionBytesAreNamedOnce) {
  Tamper("UPDATE decisions SET decision = X'FFFFFFFF' WHERE seq = 12");
  v1::VerifyDecisionLogResponse report = Verify();
  ASSERT_EQ(report.problems_size(), 2) << report.DebugString();
  EXPECT_EQ(report.problems(0).seq(), 12);
  EXPECT_EQ(report.problems(0).kind(), "ROW_HASH_MISMATCH");
  EXPECT_EQ(report.problems(1).seq(), 12);
  EXPECT_EQ(report.problems(1).kind(), "CORRUPT_ROW");
}

// The dictionary of compressed decisions is part of what is verified: an
// edited or deleted one is named at every row it made unreadable or changed.
TEST_F(LogVerifierTest, EditedOrDeletedDecisionDictionaryIsNamed) {
  stored_->log.reset();
  Tamper(
      "UPDATE decision_dictionaries SET dictionary = "
      "substr(dictionary, 1, length(dictionary) / 2) || "
      "zeroblob(length(dictionary) - length(dictionary) / 2)");
  v1::VerifyDecisionLogResponse edited = Verify(1000);
  EXPECT_FALSE(edited.ok());
  std::set<int64_t> rows;
  for (const auto& problem : edited.problems()) rows.insert(problem.seq());
  EXPECT_GT(rows.size(), 10u) << edited.DebugString();

  Tamper("DELETE FROM decision_dictionaries");
  v1::VerifyDecisionLogResponse deleted = Verify(1000);
  ASSERT_EQ(deleted.problems_size(), 80) << deleted.DebugString();
  EXPECT_EQ(deleted.problems(1).kind(), "CORRUPT_ROW");
  EXPECT_THAT(deleted.problems(1).message(),
              HasSubstr("has no stored decision dictionary"));
}

TEST_F(LogVerifierTest, AlteredBundleTextIsNamedAtEveryRow) {
  Tamper("UPDATE bundles SET text = text || ' '");
  v1::VerifyDecisionLogResponse report = Verify(/*max_problems=*/3);
  EXPECT_EQ(report.problem_count(), 40);
  ASSERT_EQ(report.problems_size(), 3);
  EXPECT_EQ(report.problems(0).seq(), 1);
  EXPECT_EQ(report.problems(0).kind(), "BUNDLE_ALTERED");
}

TEST_F(LogVerifierTest, TruncatedLogIsCaughtByTheChainHead) {
  Tamper(
      "DELETE FROM decision_rules WHERE seq >= 39; "
      "DELETE FROM decisions WHERE seq >= 39");
  v1::VerifyDecisionLogResponse report = Verify();
  ASSERT_EQ(report.problems_size(), 1);
  EXPECT_EQ(report.problems(0).kind(), "HEAD_MISMATCH");
  EXPECT_EQ(report.problems(0).seq(), 40);
  EXPECT_THAT(report.problems(0).message(),
              HasSubstr("last row is seq 38: the last rows were deleted"));
}

TEST_F(LogVerifierTest, ChainHeadFollowsAppendsAndSurvivesReopen) {
  stored_->log.reset();
  auto reopened = SqliteDecisionLog::Open(stored_->path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  std::vector<v1::RefundRequest> more = {stored_->requests[0]};
  more[0].set_request_id("one-more");
  ASSERT_TRUE(
      testing::DecideAndStoreAll(**reopened, *stored_->bundle, more, "more-")
          .ok());
  v1::VerifyDecisionLogResponse report = Verify();
  EXPECT_TRUE(report.ok()) << report.DebugString();
  EXPECT_EQ(report.last_seq(), 41);
}

TEST_F(LogVerifierTest, SchemaOneLogGetsAChainHeadOnOpen) {
  // What a log written before the chain head looks like: plain decisions,
  // none of the later tables and columns.
  auto plain = testing::StoredLog::Create(40, 7, /*compressed=*/false);
  ASSERT_TRUE(plain.ok()) << plain.status();
  stored_ = *std::move(plain);
  stored_->log.reset();
  Tamper(
      "DROP TABLE chain_head; DROP TABLE decision_dictionaries; "
      "ALTER TABLE decisions DROP COLUMN decision_codec; "
      "ALTER TABLE decisions DROP COLUMN key_id; DROP TABLE blob_key_ids; "
      "PRAGMA user_version = 1");
  EXPECT_FALSE(Verify().has_chain_head());
  EXPECT_TRUE(Verify().ok());
  auto reopened = SqliteDecisionLog::Open(stored_->path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  v1::VerifyDecisionLogResponse report = Verify();
  EXPECT_TRUE(report.ok()) << report.DebugString();
  EXPECT_TRUE(report.has_chain_head());
  EXPECT_EQ(report.last_seq(), 40);
}

TEST_F(LogVerifierTest, NotADecisionLogCannotBeVerified) {
  const std::string other = stored_->dir.path() + "/other.db";
  {
    auto db = SqliteConnection::Open(
        other, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Execute("CREATE TABLE t (x)").ok());
  }
  EXPECT_THAT(VerifyFile(other),
              StatusIs(absl::StatusCode::kFailedPrecondition, _));
  EXPECT_THAT(VerifyFile(stored_->dir.path() + "/missing.db"),
              StatusIs(absl::StatusCode::kUnavailable, _));
  EXPECT_FALSE(std::filesystem::exists(stored_->dir.path() + "/missing.db"));
}

TEST_F(LogVerifierTest, ReadOnlyLogRefusesWritesAndLeavesTheFile) {
  stored_->log.reset();
  const auto size = std::filesystem::file_size(stored_->path);
  SqliteDecisionLogOptions options;
  options.read_only = true;
  auto log = SqliteDecisionLog::Open(stored_->path, options);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->GetDecision("d-3")->seq, 4);
  EXPECT_THAT((*log)->PutBundle("v", "n", "t", ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, _));
  absl::Status appended;
  (*log)->Append(DecisionLogEntry(),
                 [&](absl::StatusOr<std::string> r) { appended = r.status(); });
  EXPECT_THAT(appended, StatusIs(absl::StatusCode::kFailedPrecondition, _));
  auto snapshot = (*log)->OpenSnapshot();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_TRUE(VerifyLog(**snapshot)->ok);
  log->reset();
  EXPECT_EQ(std::filesystem::file_size(stored_->path), size);
}

}  // namespace
}  // namespace refund::server

// refundctl verify / replay / export, in-process on a real log file.
#include <sqlite3.h>

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "refund/v1/service.pb.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "tests/testing/log_builder.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_bundle.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/refundctl.h"

namespace refund {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int kCases = 300;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

class AuditCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stored = testing::StoredLog::Create(kCases);
    ASSERT_TRUE(stored.ok()) << stored.status();
    stored_ = *std::move(stored);
    // The tools read the file as an auditor's copy: no writer open.
    stored_->log.reset();
    db_flag_ = "--db=" + stored_->path;
  }

  CliRun Run(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    int code = RunRefundctl(args, out, err);
    return {code, out.str(), err.str()};
  }

  std::vector<std::string> Lines(const std::string& text) {
    return absl::StrSplit(text, '\n', absl::SkipEmpty());
  }

  std::unique_ptr<testing::StoredLog> stored_;
  std::string db_flag_;
};

TEST_F(AuditCommandsTest, VerifyReportsIntactAndTamperedLogs) {
  CliRun intact = Run({"verify", db_flag_});
  EXPECT_EQ(intact.code, 0) << intact.err;
  EXPECT_THAT(intact.out, StartsWith("OK: 300 decisions, 1 bundles"));

  {
    auto db =
        server::SqliteConnection::Open(stored_->path, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(
        (*db)
            ->Execute("UPDATE decisions SET refund_id = 'x' WHERE seq = 9")
            .ok());
  }
  CliRun broken = Run({"verify", db_flag_});
  EXPECT_EQ(broken.code, 1);
  EXPECT_THAT(broken.out, HasSubstr("first broken link: seq 9 (decision d-8): "
                                    "COLUMN_MISMATCH: column refund_id"));
  CliRun json = Run({"verify", db_flag_, "--format=json"});
  EXPECT_EQ(json.code, 1);
  v1::VerifyDecisionLogResponse report;
  ASSERT_TRUE(ParseJson(json.out, "stdout", &report).ok()) << json.out;
  EXPECT_EQ(report.problems(0).seq(), 9);
}

TEST_F(AuditCommandsTest, ReplayPrintsEachFormat) {
  CliRun table = Run({"replay", db_flag_});
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("seq 1  d-0  "));
  EXPECT_THAT(table.out,
              HasSubstr("exact replay: 300 decisions, 0 changed, 0 integrity "
                        "failures, 0 errors"));

  CliRun json = Run({"replay", db_flag_, "--format=json", "--limit=4"});
  EXPECT_EQ(json.code, 0) << json.err;
  std::vector<std::string> lines = Lines(json.out);
  ASSERT_EQ(lines.size(), 5u);
  v1::ReplayResult last;
  ASSERT_TRUE(ParseJson(lines.back(), "stdout", &last).ok());
  EXPECT_EQ(last.summary().total(), 4);

  CliRun csv = Run({"replay", db_flag_, "--format=csv", "--verdict=approve"});
  EXPECT_EQ(csv.code, 0) << csv.err;
  lines = Lines(csv.out);
  int64_t approvals = 0;
  for (const v1::Decision& d : stored_->decisions) {
    approvals += d.verdict() == v1::VERDICT_APPROVE;
  }
  ASSERT_GT(approvals, 0);
  int64_t rows = 0;
  for (const std::string& line : lines) {
    if (line[0] != '#') ++rows;
  }
  EXPECT_EQ(rows, approvals + 1);  // the header
  EXPECT_THAT(lines[0], StartsWith("seq,decision_id,"));
}

TEST_F(AuditCommandsTest, ReplayUnderACandidateDirectory) {
  testing::TempDir candidate;
  for (const BundleSourceFile& file : testing::TestBundleFiles()) {
    candidate.Write(
        file.path,
        absl::StrReplaceAll(file.content, {{"verdict: VERDICT_APPROVE",
                                            "verdict: VERDICT_REJECT"}}));
  }
  CliRun run = Run({"replay", db_flag_, "--candidate=" + candidate.path(),
                    "--changed-only"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("candidate replay: 300 decisions"));
  EXPECT_THAT(run.out, HasSubstr("APPROVE -> "));
  EXPECT_THAT(run.out, HasSubstr("changed: verdict"));
  EXPECT_THAT(run.out, Not(HasSubstr("unchanged")));
}

TEST_F(AuditCommandsTest, ReplayUsageErrorsExitTwo) {
  const std::vector<std::vector<std::string>> bad = {
      {"replay"},
      {"replay", db_flag_, "--server=localhost:1"},
      {"replay", db_flag_, "--format=xml"},
      {"replay", db_flag_, "--from=yesterday"},
      {"replay", db_flag_, "--verdict=maybe"},
      {"replay", db_flag_, "--limit=-3"},
      {"replay", db_flag_, "--candidate=/nonexistent"},
      {"replay", db_flag_, "--no-such-flag"},
      {"verify"},
      {"verify", db_flag_, "--format=xml"},
      {"export"},
      {"export", db_flag_, "--format=csv"},
  };
  for (const std::vector<std::string>& args : bad) {
    CliRun run = Run(args);
    EXPECT_EQ(run.code, 2) << args.back() << ": " << run.err;
    EXPECT_FALSE(run.err.empty());
  }
  CliRun from = Run({"replay", db_flag_, "--from=yesterday"});
  EXPECT_THAT(from.err, HasSubstr("--from"));
}

TEST_F(AuditCommandsTest, ExportWritesOneChainedRecordPerDecision) {
  CliRun run = Run({"export", db_flag_, "--format=jsonl"});
  EXPECT_EQ(run.code, 0) << run.err;
  std::vector<std::string> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kCases));
  std::string prev_hash(64, '0');
  for (size_t i = 0; i < lines.size(); ++i) {
    v1::LogExportRecord record;
    ASSERT_TRUE(ParseJson(lines[i], "line", &record).ok()) << lines[i];
    EXPECT_EQ(record.seq(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(record.prev_hash(), prev_hash);
    EXPECT_EQ(record.decision().SerializeAsString(),
              stored_->decisions[i].SerializeAsString());
    EXPECT_EQ(record.request().request_id(), stored_->requests[i].request_id());
    prev_hash = record.row_hash();
  }
}

}  // namespace
}  // namespace refund

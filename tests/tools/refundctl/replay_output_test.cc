// refundctl replay's machine formats: JSON Lines without the decisions of
// unchanged results (unless asked), plain CSV with the summary on stderr.
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "refund/v1/service.pb.h"
#include "tests/testing/log_builder.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_bundle.h"
#include "tests/tools/refundctl/cli_run.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/refundctl.h"

namespace refund {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kCases = 300;

// RFC 4180 records: quoted fields may hold commas, quotes ("") and line
// breaks. Each record is its list of fields.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
    } else if (c == '\n') {
      record.push_back(field);
      field.clear();
      records.push_back(record);
      record.clear();
    } else {
      field.push_back(c);
    }
  }
  EXPECT_FALSE(quoted) << "an unterminated quoted field";
  EXPECT_TRUE(field.empty() && record.empty()) << "no line end at the end";
  return records;
}

class ReplayOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stored = testing::StoredLog::Create(kCases);
    ASSERT_TRUE(stored.ok()) << stored.status();
    stored_ = *std::move(stored);
    stored_->log.reset();
    db_flag_ = "--db=" + stored_->path;
  }

  std::vector<v1::ReplayResult> JsonResults(const std::string& out) {
    std::vector<v1::ReplayResult> results;
    for (absl::string_view line :
         absl::StrSplit(out, '\n', absl::SkipEmpty())) {
      v1::ReplayResult result;
      EXPECT_TRUE(ParseJson(std::string(line), "stdout", &result).ok()) << line;
      results.push_back(result);
    }
    return results;
  }

  std::unique_ptr<testing::StoredLog> stored_;
  std::string db_flag_;
};

TEST_F(ReplayOutputTest, JsonLeavesOutTheDecisionsOfUnchangedResults) {
  const CliRun brief = Cli({"replay", db_flag_, "--format=json"});
  ASSERT_EQ(brief.code, 0) << brief.err;
  std::vector<v1::ReplayResult> results = JsonResults(brief.out);
  ASSERT_EQ(results.size(), kCases + 1u);
  for (size_t i = 0; i + 1 < results.size(); ++i) {
    const v1::ReplayDiff& diff = results[i].diff();
    EXPECT_FALSE(diff.changed());
    EXPECT_FALSE(diff.decision_id().empty());
    EXPECT_GT(diff.seq(), 0);
    EXPECT_FALSE(diff.has_stored()) << diff.decision_id();
    EXPECT_FALSE(diff.has_replayed()) << diff.decision_id();
  }
  EXPECT_EQ(results.back().summary().total(), kCases);

  const CliRun full = Cli({"replay", db_flag_, "--format", "json",
                           "--include_unchanged_decisions"});
  ASSERT_EQ(full.code, 0) << full.err;
  results = JsonResults(full.out);
  ASSERT_EQ(results.size(), kCases + 1u);
  for (size_t i = 0; i + 1 < results.size(); ++i) {
    const v1::ReplayDiff& diff = results[i].diff();
    EXPECT_TRUE(diff.has_stored());
    EXPECT_EQ(diff.stored().decision_id(), diff.decision_id());
    EXPECT_TRUE(diff.has_replayed());
  }
}

TEST_F(ReplayOutputTest, JsonKeepsTheDecisionsOfChangedResults) {
  testing::TempDir candidate;
  for (const BundleSourceFile& file : testing::TestBundleFiles()) {
    candidate.Write(
        file.path,
        absl::StrReplaceAll(file.content, {{"verdict: VERDICT_APPROVE",
                                            "verdict: VERDICT_REJECT"}}));
  }
  const CliRun run = Cli(
      {"replay", db_flag_, "--candidate", candidate.path(), "--format=json"});
  ASSERT_EQ(run.code, 0) << run.err;
  int changed = 0;
  for (const v1::ReplayResult& result : JsonResults(run.out)) {
    if (!result.has_diff()) continue;
    if (result.diff().changed()) {
      ++changed;
      EXPECT_TRUE(result.diff().has_stored());
      EXPECT_TRUE(result.diff().has_replayed());
    } else {
      EXPECT_FALSE(result.diff().has_stored());
    }
  }
  EXPECT_GT(changed, 0);
}

TEST_F(ReplayOutputTest, CsvIsPlainCsvAndTheSummaryGoesToStderr) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"replay", db_flag_, "--format=csv"},
           {"replay", db_flag_, "--format=csv", "--verdict=approve"}}) {
    const CliRun run = Cli(args);
    ASSERT_EQ(run.code, 0) << run.err;
    const std::vector<std::vector<std::string>> records = ParseCsv(run.out);
    ASSERT_GE(records.size(), 2u);
    EXPECT_EQ(records[0][0], "seq");
    for (const std::vector<std::string>& record : records) {
      EXPECT_EQ(record.size(), records[0].size()) << record[0];
      EXPECT_NE(record[0][0], '#');
    }
    EXPECT_THAT(run.out, Not(HasSubstr("exact replay:")));
    EXPECT_THAT(run.err, HasSubstr("exact replay: "));
    EXPECT_THAT(run.err, HasSubstr(" 0 changed, 0 integrity failures"));
  }
}

// export takes replay's filters and limit (offline here; through a server:
// server_commands_test.cc).
TEST_F(ReplayOutputTest, ExportTakesTheReplayFilters) {
  int64_t approvals = 0;
  for (const v1::Decision& d : stored_->decisions) {
    approvals += d.verdict() == v1::VERDICT_APPROVE;
  }
  ASSERT_GT(approvals, 0);
  const CliRun approved = Cli({"export", db_flag_, "--verdict", "approve"});
  ASSERT_EQ(approved.code, 0) << approved.err;
  std::vector<std::string> lines =
      absl::StrSplit(approved.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(static_cast<int64_t>(lines.size()), approvals);
  for (const std::string& line : lines) {
    v1::LogExportRecord record;
    ASSERT_TRUE(ParseJson(line, "stdout", &record).ok());
    EXPECT_EQ(record.decision().verdict(), v1::VERDICT_APPROVE);
  }

  const CliRun limited = Cli({"export", db_flag_, "--limit=3"});
  ASSERT_EQ(limited.code, 0) << limited.err;
  EXPECT_EQ(std::vector<std::string>(
                absl::StrSplit(limited.out, '\n', absl::SkipEmpty()))
                .size(),
            3u);

  const v1::Decision& one = stored_->decisions[17];
  const CliRun refund =
      Cli({"export", db_flag_, "--refund_id", one.refund_id()});
  ASSERT_EQ(refund.code, 0) << refund.err;
  lines = absl::StrSplit(refund.out, '\n', absl::SkipEmpty());
  ASSERT_GE(lines.size(), 1u);
  for (const std::string& line : lines) {
    v1::LogExportRecord record;
    ASSERT_TRUE(ParseJson(line, "stdout", &record).ok());
    EXPECT_EQ(record.decision().refund_id(), one.refund_id());
  }
  EXPECT_THAT(refund.out, HasSubstr(one.decision_id()));
  EXPECT_EQ(Cli({"export", db_flag_, "--from", "yesterday"}).code, 2);
}

}  // namespace
}  // namespace refund

#include "engine/load/bundle_loader.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using ::refund::testing::StatusIs;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Gt;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

// The test bundle with `from` replaced by `to` in the file named `path`.
std::vector<BundleSourceFile> Edited(const std::string& path,
                                     const std::string& from,
                                     const std::string& to) {
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  for (BundleSourceFile& file : files) {
    if (file.path == path) {
      EXPECT_NE(file.content.find(from), std::string::npos) << from;
      file.content = absl::StrReplaceAll(file.content, {{from, to}});
    }
  }
  return files;
}

std::vector<PolicyIssue> IssuesOf(const std::vector<BundleSourceFile>& files) {
  std::vector<PolicyIssue> issues;
  auto bundle = LoadBundle(files, &issues);
  EXPECT_THAT(bundle, StatusIs(absl::StatusCode::kInvalidArgument, _));
  return issues;
}

// Line and column of the first occurrence of `needle` in `path`.
std::pair<int, int> PositionOf(const std::vector<BundleSourceFile>& files,
                               const std::string& path,
                               const std::string& needle) {
  for (const BundleSourceFile& file : files) {
    if (file.path != path) continue;
    size_t offset = file.content.find(needle);
    int line =
        1 + static_cast<int>(std::count(file.content.begin(),
                                        file.content.begin() + offset, '\n'));
    size_t line_start = file.content.rfind('\n', offset);
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    return {line, static_cast<int>(offset - line_start) + 1};
  }
  return {0, 0};
}

TEST(BundleLoaderTest, LoadsAndVersionsTheBundle) {
  auto bundle = LoadBundle(testing::TestBundleFiles());
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_EQ((*bundle)->name(), "test");
  EXPECT_THAT((*bundle)->version(), SizeIs(64));
  EXPECT_EQ((*bundle)->definition().settings().sla_default_hours(), 24);
  EXPECT_EQ((*bundle)->Info().rules_size(), 6);
}

TEST(BundleLoaderTest, VersionIgnoresFileNamesOrderAndLayout) {
  auto original = LoadBundle(testing::TestBundleFiles());
  ASSERT_TRUE(original.ok());
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  std::reverse(files.begin(), files.end());
  files[0].path = "zz_renamed.textproto";
  files[0].content = "# a comment\n\n" + files[0].content;
  auto shuffled = LoadBundle(files);
  ASSERT_TRUE(shuffled.ok()) << shuffled.status();
  EXPECT_EQ((*shuffled)->version(), (*original)->version());
}

TEST(BundleLoaderTest, VersionChangesWithContent) {
  auto original = LoadBundle(testing::TestBundleFiles());
  auto edited =
      LoadBundle(Edited("rules.textproto", "within_days_of_signing(7)",
                        "within_days_of_signing(8)"));
  ASSERT_TRUE(original.ok());
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_NE((*original)->version(), (*edited)->version());
}

TEST(BundleLoaderTest, DefaultsWrittenOutDoNotChangeTheVersion) {
  auto original = LoadBundle(testing::TestBundleFiles());
  auto explicit_defaults =
      LoadBundle(Edited("bundle.textproto", "time_zone: \"Asia/Shanghai\"",
                        "time_zone: \"Asia/Shanghai\" sla_default_hours: 24 "
                        "locales: \"zh-CN\" locales: \"en\""));
  ASSERT_TRUE(explicit_defaults.ok()) << explicit_defaults.status();
  EXPECT_EQ((*original)->version(), (*explicit_defaults)->version());
}

TEST(BundleLoaderTest, CanonicalTextReloadsToTheSameVersion) {
  auto original = LoadBundle(testing::TestBundleFiles());
  ASSERT_TRUE(original.ok());
  auto reloaded = LoadBundleFromCanonicalText((*original)->canonical_text());
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ((*reloaded)->version(), (*original)->version());
  EXPECT_EQ((*reloaded)->canonical_text(), (*original)->canonical_text());
}

TEST(BundleLoaderTest, ExpressionErrorsPointIntoTheFile) {
  std::vector<BundleSourceFile> files =
      Edited("rules.textproto", "request.reason == REASON_NO_REASON &&",
             "request.reson == REASON_NO_REASON &&");
  std::vector<PolicyIssue> issues = IssuesOf(files);
  auto [line, column] = PositionOf(files, "rules.textproto", "request.reson");
  // The checker may point at `request` or at `reson`; both are on this line.
  EXPECT_THAT(issues, Contains(AllOf(
                          Field(&PolicyIssue::file, "rules.textproto"),
                          Field(&PolicyIssue::line, line),
                          Field(&PolicyIssue::message, HasSubstr("reson")))));
  for (const PolicyIssue& issue : issues) {
    if (issue.line == line) {
      EXPECT_GE(issue.column, column);
      EXPECT_LE(issue.column, column + 8);
    }
  }
}

TEST(BundleLoaderTest, ReportsEveryMistakeAtOnce) {
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  files[2].content = absl::StrReplaceAll(
      files[2].content,
      {{"request.reason == REASON_NO_REASON && is_delivered() && "
        "within_days_of_signing(7)",
        "request.reason == PLATFORM_DOUYIN"},
       {"actions: \"CALL_BUYER\"", "actions: \"CALL_THE_BUYER\""},
       {"refund_amount: \"request.requested_amount - "
        "min(unreturned_gift_value(), "
        "gift_cap)\"",
        "refund_amount: \"request.inspection.inspected\""}});
  std::vector<PolicyIssue> issues = IssuesOf(files);
  EXPECT_GE(issues.size(), 3u) << FormatIssues(issues);
  EXPECT_THAT(issues, Contains(Field(&PolicyIssue::message,
                                     HasSubstr("CALL_THE_BUYER"))));
  auto [line, column] = PositionOf(files, "rules.textproto", "CALL_THE_BUYER");
  EXPECT_THAT(issues, Contains(AllOf(Field(&PolicyIssue::line, line),
                                     Field(&PolicyIssue::message,
                                           HasSubstr("not in the action")))));
  for (const PolicyIssue& issue : issues) {
    EXPECT_EQ(issue.file, "rules.textproto") << issue.ToString();
    EXPECT_GT(issue.line, 0) << issue.ToString();
  }
}

TEST(BundleLoaderTest, SyntaxErrorHasLineAndColumn) {
  std::vector<PolicyIssue> issues =
      IssuesOf(Edited("rules.textproto", "priority: 90", "priority: ninety"));
  ASSERT_FALSE(issues.empty());
  EXPECT_EQ(issues[0].file, "rules.textproto");
  EXPECT_GT(issues[0].line, 1);
  EXPECT_GT(issues[0].column, 1);
}

TEST(BundleLoaderTest, MissingLocaleIsAnError) {
  std::vector<PolicyIssue> issues = IssuesOf(
      Edited("catalog.textproto",
             "scripts { locale: \"en\" text: \"Call the buyer\" }", ""));
  EXPECT_THAT(
      issues,
      Contains(Field(&PolicyIssue::message,
                     AllOf(HasSubstr("CALL_BUYER"), HasSubstr("\"en\"")))));
}

TEST(BundleLoaderTest, EvidenceReasonsNeedEveryLocaleOnce) {
  const std::string english =
      "reasons { locale: \"en\" text: \"shows signing\" }";
  std::vector<PolicyIssue> missing =
      IssuesOf(Edited("rules.textproto", english, ""));
  EXPECT_THAT(
      missing,
      Contains(Field(&PolicyIssue::message,
                     AllOf(HasSubstr("evidence EVIDENCE_KIND_LOGISTICS_TRACE"),
                           HasSubstr("no text for locale \"en\"")))));
  std::vector<PolicyIssue> unknown = IssuesOf(
      Edited("rules.textproto", "locale: \"en\" text: \"shows signing\"",
             "locale: \"fr\" text: \"montre la signature\""));
  EXPECT_THAT(unknown, Contains(Field(&PolicyIssue::message,
                                      HasSubstr("\"fr\" is not among"))));
  std::vector<PolicyIssue> both =
      IssuesOf(Edited("rules.textproto", english, english + " reason: \"x\""));
  EXPECT_THAT(both,
              Contains(Field(&PolicyIssue::message, HasSubstr("not both"))));
  // Each issue points at the evidence entry, not at the top of the file.
  EXPECT_GT(missing[0].line, 1);
}

TEST(BundleLoaderTest, ReviewCashbackScriptIsRefused) {
  std::vector<PolicyIssue> issues =
      IssuesOf(Edited("catalog.textproto", "请店主决定", "好评返现5元"));
  EXPECT_THAT(issues,
              Contains(Field(&PolicyIssue::message, HasSubstr("review"))));
}

TEST(BundleLoaderTest, UnknownPlaceholderIsAnErrorInTheScript) {
  std::vector<BundleSourceFile> files =
      Edited("catalog.textproto", "Ask the owner", "Ask {{owner_name}}");
  std::vector<PolicyIssue> issues = IssuesOf(files);
  auto [line, column] =
      PositionOf(files, "catalog.textproto", "{{owner_name}}");
  EXPECT_THAT(
      issues,
      Contains(AllOf(Field(&PolicyIssue::line, line),
                     Field(&PolicyIssue::column, column),
                     Field(&PolicyIssue::message, HasSubstr("owner_name")))));
}

TEST(BundleLoaderTest, DuplicateRuleIdIsAnError) {
  std::vector<PolicyIssue> issues =
      IssuesOf(Edited("rules.textproto", "id: \"seven_day.late\"",
                      "id: \"seven_day.approve\""));
  EXPECT_THAT(issues,
              Contains(Field(&PolicyIssue::message, HasSubstr("repeated"))));
}

TEST(BundleLoaderTest, CollectEvidenceMustBeInTheCatalog) {
  std::vector<PolicyIssue> issues =
      IssuesOf(Edited("catalog.textproto", "code: \"COLLECT_EVIDENCE\"",
                      "code: \"GATHER_PROOF\""));
  EXPECT_THAT(issues, Contains(Field(&PolicyIssue::message,
                                     HasSubstr("COLLECT_EVIDENCE"))));
}

TEST(BundleLoaderTest, UnknownTimeZoneIsAnError) {
  std::vector<PolicyIssue> issues =
      IssuesOf(Edited("bundle.textproto", "Asia/Shanghai", "Mars/Olympus"));
  EXPECT_THAT(
      issues,
      Contains(AllOf(Field(&PolicyIssue::file, "bundle.textproto"),
                     Field(&PolicyIssue::message, HasSubstr("Mars/Olympus")))));
}

TEST(BundleLoaderTest, ConstantCannotReadTheRequest) {
  std::vector<PolicyIssue> issues =
      IssuesOf(Edited("bundle.textproto", "value: \"yuan(20)\"",
                      "value: \"request.requested_amount\""));
  EXPECT_THAT(issues,
              Contains(Field(&PolicyIssue::message, HasSubstr("gift_cap"))));
}

// Files the server read for a client (a candidate directory) may not be
// policy files: their parse errors keep the place but carry none of the
// file's text. Before, protobuf's messages quoted the token
// ("Expected identifier, got: hunter2").
TEST(BundleLoaderTest, UnquotedParseErrorsCarryNoTextOfTheFile) {
  LoadOptions unquoted;
  unquoted.quote_file_text = false;
  for (const std::string secret :
       {"password: hunter2\n", "hunter2\n", "name: hunter2\n",
        "\n  password: \"hunter2\"\n", "name hunter2\n",
        "rules { id: hunter2 }\n", "rules { only_for_verdicts: HUNTER2 }\n",
        "settings { sla_hours: hunter2 }\n", "[hunter2.password]: 1\n",
        "name: \"x\" hunter2 {\n", "name: \"hunter2\xff\n", "\"hunter2\"\n"}) {
    std::vector<BundleSourceFile> files = testing::TestBundleFiles();
    files.push_back({"secret.textproto", secret});
    std::vector<PolicyIssue> quoted_issues;
    ASSERT_FALSE(LoadBundle(files, &quoted_issues).ok()) << secret;
    std::vector<PolicyIssue> issues;
    auto bundle = LoadBundle(files, unquoted, &issues);
    EXPECT_THAT(bundle, StatusIs(absl::StatusCode::kInvalidArgument,
                                 Not(HasSubstr("unter2"))));
    ASSERT_THAT(issues, SizeIs(quoted_issues.size())) << secret;
    for (const PolicyIssue& issue : issues) {
      EXPECT_EQ(issue.file, "secret.textproto");
      EXPECT_GT(issue.line, 0);
      EXPECT_GT(issue.column, 0);
      EXPECT_THAT(absl::AsciiStrToLower(issue.message),
                  AllOf(Not(HasSubstr("hunter2")), Not(HasSubstr("password"))))
          << secret;
    }
  }
  std::vector<PolicyIssue> issues;
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  files.push_back({"secret.textproto", "\n  password: hunter2\n"});
  ASSERT_FALSE(LoadBundle(files, unquoted, &issues).ok());
  EXPECT_THAT(
      issues,
      ElementsAre(AllOf(
          Field(&PolicyIssue::line, 2), Field(&PolicyIssue::column, Gt(2)),
          Field(&PolicyIssue::message,
                "Message type \"refund.v1.PolicyBundle\" has no field "
                "by this name"))));
  // The client's own files (inline) are quoted as before.
  issues.clear();
  ASSERT_FALSE(LoadBundle(files, &issues).ok());
  EXPECT_THAT(issues, ElementsAre(Field(&PolicyIssue::message,
                                        HasSubstr("\"password\""))));
}

TEST(BundleLoaderTest, UnquotedParseErrorsStillSayWhatWasExpected) {
  LoadOptions unquoted;
  unquoted.quote_file_text = false;
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  files.push_back({"a.textproto", "name: hunter2\n"});
  files.push_back({"b.textproto", "name hunter2\n"});
  std::vector<PolicyIssue> issues;
  ASSERT_FALSE(LoadBundle(files, unquoted, &issues).ok());
  EXPECT_THAT(issues,
              ElementsAre(Field(&PolicyIssue::message, "Expected string"),
                          Field(&PolicyIssue::message, "Expected \":\"")));
}

TEST(BundleLoaderTest, MissingDirectoryIsNotFound) {
  auto bundle = LoadBundleFromDirectory("/nonexistent/policies");
  EXPECT_THAT(bundle, StatusIs(absl::StatusCode::kNotFound, _));
}

}  // namespace
}  // namespace refund

namespace refund {
namespace {

TEST(BundleLoaderTest, UnknownCodeInListSyntaxIsReportedWithoutCrashing) {
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  files.push_back({"extra.textproto", R"pb(
                     rules {
                       id: "x.list"
                       description: "t"
                       priority: 1
                       when: "true"
                       actions: [ "SEND_RETURN_NOTICE", "NO_SUCH_ACTION" ]
                       only_for_verdicts: [ VERDICT_APPROVE ]
                     })pb"});
  std::vector<PolicyIssue> issues;
  auto bundle = LoadBundle(files, &issues);
  EXPECT_FALSE(bundle.ok());
  ASSERT_EQ(issues.size(), 1u) << FormatIssues(issues);
  EXPECT_EQ(issues[0].file, "extra.textproto");
  EXPECT_THAT(issues[0].message, HasSubstr("NO_SUCH_ACTION"));
}

}  // namespace
}  // namespace refund

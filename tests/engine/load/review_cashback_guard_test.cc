// A bundle whose script offers something for a review (好评返现, cashback,
// ...) in any of its locales is refused at load, at that script: platforms
// punish it, and the buyer reads the script of their own locale.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Replaces `from` by `to` in the catalog of `files`; returns the 1-based
// line of `to` there.
int EditCatalog(std::vector<BundleSourceFile>& files, const std::string& from,
                const std::string& to) {
  for (BundleSourceFile& file : files) {
    if (file.path != "catalog.textproto") continue;
    EXPECT_NE(file.content.find(from), std::string::npos) << from;
    file.content = absl::StrReplaceAll(file.content, {{from, to}});
    const size_t at = file.content.find(to);
    return 1 + static_cast<int>(std::count(file.content.begin(),
                                           file.content.begin() + at, '\n'));
  }
  ADD_FAILURE() << "no catalog.textproto";
  return 0;
}

// The issues of a bundle that must not load, as "file:line:col: message".
std::vector<std::string> LoadIssues(
    const std::vector<BundleSourceFile>& files) {
  std::vector<PolicyIssue> issues;
  auto bundle = LoadBundle(files, &issues);
  EXPECT_THAT(bundle, refund::testing::StatusIs(
                          absl::StatusCode::kInvalidArgument, ::testing::_));
  std::vector<std::string> texts;
  for (const PolicyIssue& issue : issues) texts.push_back(issue.ToString());
  return texts;
}

// "catalog.textproto:<line>:".
std::string AtCatalogLine(int line) {
  return absl::StrCat("catalog.textproto:", line, ":");
}

TEST(ReviewCashbackGuardTest, CashbackOnlyInTheSecondLocaleIsRefused) {
  // settings.locales is [zh-CN, en]: the zh-CN script stays clean, the en
  // one promises cashback.
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  const int line =
      EditCatalog(files, R"(text: "Ask the owner")",
                  R"(text: "Ask the owner; cashback for a 5-star review")");
  EXPECT_THAT(
      LoadIssues(files),
      Contains(AllOf(StartsWith(AtCatalogLine(line)),
                     HasSubstr("ESCALATE_TO_OWNER: script offers "
                               "something for a review (\"cashback\")"))));
}

TEST(ReviewCashbackGuardTest, CashbackOnlyInTheFirstLocaleIsRefused) {
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  const int line = EditCatalog(files, R"(text: "请店主决定")",
                               R"(text: "请店主决定，好评返现5元")");
  EXPECT_THAT(
      LoadIssues(files),
      Contains(AllOf(StartsWith(AtCatalogLine(line)),
                     HasSubstr("ESCALATE_TO_OWNER: script offers "
                               "something for a review (\"好评返现\")"))));
}

TEST(ReviewCashbackGuardTest, EachLocalesPromiseIsReportedAtItsScript) {
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  const int zh_line = EditCatalog(files, R"(text: "请店主决定")",
                                  R"(text: "请店主决定，返红包")");
  const int en_line =
      EditCatalog(files, R"(text: "Ask the owner")",
                  R"(text: "Ask the owner; cash back for a review")");
  const std::vector<std::string> issues = LoadIssues(files);
  EXPECT_THAT(issues, Contains(AllOf(StartsWith(AtCatalogLine(zh_line)),
                                     HasSubstr("(\"返红包\")"))));
  EXPECT_THAT(issues, Contains(AllOf(StartsWith(AtCatalogLine(en_line)),
                                     HasSubstr("(\"cash back\")"))));
}

}  // namespace
}  // namespace refund

#include "tools/policy_linter.h"

#include "engine/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/test_bundle.h"

namespace refund {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<LintFinding> LintWithExtraRules(const std::string& rules) {
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  files.push_back({"extra.textproto", rules});
  auto bundle = LoadBundle(files);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  if (!bundle.ok()) return {};
  return LintBundle(**bundle);
}

auto Finding(const std::string& rule, const std::string& check) {
  return AllOf(Field(&LintFinding::rule_id, rule),
               Field(&LintFinding::check, check));
}

TEST(PolicyLinterTest, RuleThatCanNeverMatch) {
  auto findings = LintWithExtraRules(R"pb(
    rules {
      id: "x.impossible" description: "t" priority: 5 verdict: VERDICT_APPROVE
      when: "request.reason == REASON_NO_REASON && request.reason == REASON_OTHER"
    }
    rules {
      id: "x.impossible_range" description: "t" priority: 5 verdict: VERDICT_APPROVE
      when: "request.buyer.refunds_90d > 5 && request.buyer.refunds_90d < 3"
    })pb");
  EXPECT_THAT(findings, Contains(Finding("x.impossible", "never-matches")));
  EXPECT_THAT(findings, Contains(Finding("x.impossible_range", "never-matches")));
}

TEST(PolicyLinterTest, RuleShadowedByAHigherPriorityRule) {
  auto findings = LintWithExtraRules(R"pb(
    rules {
      id: "x.general" description: "t" priority: 500 verdict: VERDICT_NEGOTIATE
      when: "request.flags.complaint_threat"
    }
    rules {
      id: "x.specific" description: "t" priority: 10 verdict: VERDICT_APPROVE
      when: "request.flags.complaint_threat && request.platform == PLATFORM_TAOBAO"
    })pb");
  EXPECT_THAT(findings, Contains(AllOf(Finding("x.specific", "shadowed"),
                                       Field(&LintFinding::message,
                                             HasSubstr("x.general")))));
  EXPECT_THAT(findings, Not(Contains(Finding("x.general", "shadowed"))));
}

TEST(PolicyLinterTest, ConflictAtEqualPriority) {
  auto findings = LintWithExtraRules(R"pb(
    rules {
      id: "x.one" description: "t" priority: 42 verdict: VERDICT_APPROVE
      when: "request.platform == PLATFORM_TAOBAO"
    }
    rules {
      id: "x.two" description: "t" priority: 42 verdict: VERDICT_REJECT
      when: "request.flags.urgent"
    }
    rules {
      id: "x.three" description: "t" priority: 42 verdict: VERDICT_REJECT
      when: "request.platform == PLATFORM_DOUYIN"
    })pb");
  EXPECT_THAT(findings, Contains(AllOf(Finding("x.one", "conflict"),
                                       Field(&LintFinding::message,
                                             HasSubstr("x.two")))));
  // Taobao and Douyin exclude each other: no conflict between one and three.
  for (const LintFinding& f : findings) {
    if (f.rule_id == "x.one" && f.check == "conflict") {
      EXPECT_THAT(f.message, Not(HasSubstr("x.three")));
    }
  }
}

TEST(PolicyLinterTest, UnusedCatalogEntries) {
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  files.push_back({"extra.textproto", R"pb(
    actions {
      code: "NEVER_USED" channel: CHANNEL_MESSAGE
      scripts { locale: "zh-CN" text: "x" } scripts { locale: "en" text: "x" }
    })pb"});
  auto bundle = LoadBundle(files);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_THAT(LintBundle(**bundle), Contains(Finding("NEVER_USED", "unused")));
}

}  // namespace
}  // namespace refund

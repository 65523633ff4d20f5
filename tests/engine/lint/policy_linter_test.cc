#include "engine/lint/policy_linter.h"

#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_bundle.h"

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
      id: "x.impossible"
      description: "t"
      priority: 5
      verdict: VERDICT_APPROVE
      when: "request.reason == REASON_NO_REASON && request.reason == REASON_OTHER"
    }
    rules {
      id: "x.impossible_range"
      description: "t"
      priority: 5
      verdict: VERDICT_APPROVE
      when: "request.buyer.refunds_90d > 5 && request.buyer.refunds_90d < 3"
    })pb");
  EXPECT_THAT(findings, Contains(Finding("x.impossible", "never-matches")));
  EXPECT_THAT(findings,
              Contains(Finding("x.impossible_range", "never-matches")));
}

TEST(PolicyLinterTest, RuleShadowedByAHigherPriorityRule) {
  auto findings = LintWithExtraRules(R"pb(
    rules {
      id: "x.general"
      description: "t"
      priority: 500
      verdict: VERDICT_NEGOTIATE
      when: "request.flags.complaint_threat"
    }
    rules {
      id: "x.specific"
      description: "t"
      priority: 10
      verdict: VERDICT_APPROVE
      when: "request.flags.complaint_threat && request.platform == PLATFORM_TAOBAO"
    })pb");
  EXPECT_THAT(
      findings,
      Contains(AllOf(Finding("x.specific", "shadowed"),
                     Field(&LintFinding::message, HasSubstr("x.general")))));
  EXPECT_THAT(findings, Not(Contains(Finding("x.general", "shadowed"))));
}

TEST(PolicyLinterTest, ConflictAtEqualPriority) {
  auto findings = LintWithExtraRules(R"pb(
    rules {
      id: "x.one"
      description: "t"
      priority: 42
      verdict: VERDICT_APPROVE
      when: "request.platform == PLATFORM_TAOBAO"
    }
    rules {
      id: "x.two"
      description: "t"
      priority: 42
      verdict: VERDICT_REJECT
      when: "request.flags.urgent"
    }
    rules {
      id: "x.three"
      description: "t"
      priority: 42
      verdict: VERDICT_REJECT
      when: "request.platform == PLATFORM_DOUYIN"
    })pb");
  EXPECT_THAT(findings, Contains(AllOf(
                            Finding("x.one", "conflict"),
                            Field(&LintFinding::message, HasSubstr("x.two")))));
  // Taobao and Douyin exclude each other: no conflict between one and three.
  for (const LintFinding& f : findings) {
    if (f.rule_id == "x.one" && f.check == "conflict") {
      EXPECT_THAT(f.message, Not(HasSubstr("x.three")));
    }
  }
}

TEST(PolicyLinterTest, SeesThroughHelperCalls) {
  auto findings = LintWithExtraRules(R"pb(
    rules {
      id: "x.helper_impossible"
      description: "t"
      priority: 5
      verdict: VERDICT_APPROVE
      when: "has_gifts() && request.flags.urgent && !has_gifts()"
    }
    rules {
      id: "x.negotiate_delivered"
      description: "t"
      priority: 500
      verdict: VERDICT_NEGOTIATE
      when: "request.reason == REASON_NO_REASON && is_delivered()"
    }
    rules {
      id: "x.approve_in_window"
      description: "t"
      priority: 10
      verdict: VERDICT_APPROVE
      when: "request.reason == REASON_NO_REASON && is_delivered( )"
            " && within_days_of_signing(7)"
    }
    rules {
      id: "x.reject_not_delivered"
      description: "t"
      priority: 77
      verdict: VERDICT_REJECT
      when: "request.type == REQUEST_TYPE_REFUND_ONLY && !is_delivered()"
    }
    rules {
      id: "x.approve_delivered"
      description: "t"
      priority: 77
      verdict: VERDICT_APPROVE
      when: "request.type == REQUEST_TYPE_REFUND_ONLY && is_delivered()"
    }
    rules {
      id: "x.negotiate_gifts"
      description: "t"
      priority: 77
      verdict: VERDICT_NEGOTIATE
      when: "has_gifts()"
    })pb");
  EXPECT_THAT(findings,
              Contains(Finding("x.helper_impossible", "never-matches")));
  EXPECT_THAT(findings,
              Contains(AllOf(Finding("x.approve_in_window", "shadowed"),
                             Field(&LintFinding::message,
                                   HasSubstr("x.negotiate_delivered")))));
  EXPECT_THAT(findings,
              Not(Contains(Finding("x.negotiate_delivered", "shadowed"))));
  // Delivered and not delivered exclude each other; gifts may come with
  // either.
  for (const LintFinding& f : findings) {
    if (f.rule_id == "x.approve_delivered" && f.check == "conflict") {
      EXPECT_THAT(f.message, Not(HasSubstr("x.reject_not_delivered")));
    }
  }
  EXPECT_THAT(findings,
              Contains(AllOf(Finding("x.approve_delivered", "conflict"),
                             Field(&LintFinding::message,
                                   HasSubstr("x.negotiate_gifts")))));
}

TEST(PolicyLinterTest, UnusedCatalogEntries) {
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  files.push_back({"extra.textproto", R"pb(
                     actions {
                       code: "NEVER_USED"
                       channel: CHANNEL_MESSAGE
                       scripts { locale: "zh-CN" text: "x" }
                       scripts { locale: "en" text: "x" }
                     })pb"});
  auto bundle = LoadBundle(files);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_THAT(LintBundle(**bundle), Contains(Finding("NEVER_USED", "unused")));
}

}  // namespace
}  // namespace refund

// What a decision is when a rule cannot be evaluated on the case
// (decision_combiner.h, step 2): a verdict rule that fails before the one
// that would decide means nobody can say which verdict applies, so a person
// decides (NEGOTIATE with ESCALATE_TO_OWNER); a rule without a verdict that
// fails leaves the verdict alone but still sends the case to the owner.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/bundle_with_rules.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using ::testing::Contains;
using ::testing::Not;

// Fails on a request without after_sale_deadline (SevenDayReturn has none).
constexpr char kFailing[] = "time_until_deadline() < hours(48)";

// `rules` with kFailing in place of "$failing".
std::string WithFailingCondition(const std::string& rules) {
  return absl::StrReplaceAll(rules, {{"$failing", kFailing}});
}

std::unique_ptr<const CompiledBundle> Bundle(const std::string& rules) {
  auto bundle = LoadBundle(testing::TestBundleWithRules(rules));
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  return bundle.ok() ? *std::move(bundle) : nullptr;
}

std::vector<std::string> ActionCodes(const v1::Decision& decision) {
  std::vector<std::string> codes;
  for (const v1::SuggestedAction& action : decision.actions()) {
    codes.push_back(action.code());
  }
  return codes;
}

std::vector<std::string> RuleIds(const v1::Decision& decision) {
  std::vector<std::string> ids;
  for (const v1::MatchedRule& rule : decision.matched_rules()) {
    ids.push_back(rule.rule_id());
  }
  return ids;
}

TEST(RuleErrorTest,
     FailedVerdictRuleBeforeTheDecidingOneSendsTheCaseToAPerson) {
  auto bundle = Bundle(WithFailingCondition(R"pb(
    rules {
      id: "a.reject_near_deadline"
      description: "fails: no deadline"
      priority: 200
      when: "$failing"
      verdict: VERDICT_REJECT
    }
    rules {
      id: "b.approve"
      description: "would approve"
      priority: 100
      when: "true"
      verdict: VERDICT_APPROVE
      actions: "SEND_RETURN_NOTICE"
    }
  )pb"));
  ASSERT_NE(bundle, nullptr);
  auto decision = bundle->Decide(testing::SevenDayReturn());
  ASSERT_TRUE(decision.ok()) << decision.status();
  // Not the lower rule's APPROVE: the failed REJECT rule might have held.
  EXPECT_EQ(decision->verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_THAT(ActionCodes(*decision), Contains("ESCALATE_TO_OWNER"));
  EXPECT_THAT(ActionCodes(*decision), Not(Contains("SEND_RETURN_NOTICE")));
  EXPECT_THAT(RuleIds(*decision), Contains("a.reject_near_deadline"));
  EXPECT_THAT(RuleIds(*decision), Contains("engine.rule_error"));
}

TEST(RuleErrorTest, FailedRuleWithoutVerdictKeepsTheVerdictAndEscalates) {
  auto bundle = Bundle(WithFailingCondition(R"pb(
    rules {
      id: "a.note_near_deadline"
      description: "fails: no deadline"
      priority: 200
      when: "$failing"
      actions: "CALL_BUYER"
    }
    rules {
      id: "b.approve"
      description: "approves"
      priority: 100
      when: "true"
      verdict: VERDICT_APPROVE
      actions: "SEND_RETURN_NOTICE"
    }
  )pb"));
  ASSERT_NE(bundle, nullptr);
  auto decision = bundle->Decide(testing::SevenDayReturn());
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(decision->verdict(), v1::VERDICT_APPROVE);
  EXPECT_THAT(ActionCodes(*decision), Contains("SEND_RETURN_NOTICE"));
  EXPECT_THAT(ActionCodes(*decision), Contains("ESCALATE_TO_OWNER"));
  EXPECT_THAT(ActionCodes(*decision), Not(Contains("CALL_BUYER")));
  EXPECT_THAT(RuleIds(*decision), Contains("engine.rule_error"));
}

}  // namespace
}  // namespace refund

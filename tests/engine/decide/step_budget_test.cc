// A rule whose evaluation goes over the step budget (LoadOptions::
// step_budget; issue 20, finding 1's safety net behind the load-time
// estimate) is an evaluation error like any other (decision_combiner.h,
// step 2): the rule is listed with the error as its explanation,
// engine.rule_error is added and the case goes to the owner; the decision
// never hangs.
#include <memory>
#include <string>

#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/bundle_with_rules.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using ::testing::HasSubstr;

constexpr char kRules[] = R"pb(
  rules {
    id: "a.approve_bulk_order"
    description: "loops over every pair of line items"
    priority: 200
    when: "request.order.items.exists(a, request.order.items.exists(b, b.quantity > 5))"
    verdict: VERDICT_APPROVE
    actions: "SEND_RETURN_NOTICE"
  }
)pb";

std::unique_ptr<const CompiledBundle> Bundle(const LoadOptions& options) {
  auto bundle = LoadBundle(testing::TestBundleWithRules(kRules), options);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  return bundle.ok() ? *std::move(bundle) : nullptr;
}

// SevenDayReturn with 30 line items (all paid for): the condition charges
// 30 * 5 + 30 * 30 * 5 = 4,650 steps.
v1::RefundRequest ThirtyLines() {
  v1::RefundRequest request = testing::SevenDayReturn();
  const v1::LineItem first = request.order().items(0);
  for (int i = 1; i < 30; ++i) *request.mutable_order()->add_items() = first;
  v1::Money* paid = request.mutable_order()->mutable_paid_amount();
  paid->set_minor_units(paid->minor_units() * 30);
  return request;
}

const v1::MatchedRule* Find(const v1::Decision& decision,
                            const std::string& id) {
  for (const v1::MatchedRule& rule : decision.matched_rules()) {
    if (rule.rule_id() == id) return &rule;
  }
  return nullptr;
}

TEST(RuleStepBudgetTest, RuleOverTheBudgetIsAnEvaluationError) {
  LoadOptions options;
  options.step_budget = 1000;
  auto bundle = Bundle(options);
  ASSERT_NE(bundle, nullptr);
  auto decision = bundle->Decide(ThirtyLines());
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(decision->verdict(), v1::VERDICT_NEGOTIATE);
  const v1::MatchedRule* failed = Find(*decision, "a.approve_bulk_order");
  ASSERT_NE(failed, nullptr);
  EXPECT_THAT(failed->explanation(),
              HasSubstr("evaluation error: evaluation budget of 1000 steps "
                        "exceeded in `request.order.items.exists(b, "
                        "b.quantity > 5)`"));
  EXPECT_NE(Find(*decision, "engine.rule_error"), nullptr);
  bool escalated = false;
  for (const v1::SuggestedAction& action : decision->actions()) {
    escalated |= action.code() == "ESCALATE_TO_OWNER";
  }
  EXPECT_TRUE(escalated);
}

TEST(RuleStepBudgetTest, RuleWithinTheBudgetEvaluates) {
  LoadOptions options;
  options.step_budget = 4650;
  auto bundle = Bundle(options);
  ASSERT_NE(bundle, nullptr);
  auto decision = bundle->Decide(ThirtyLines());
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(Find(*decision, "a.approve_bulk_order"), nullptr);
  EXPECT_EQ(Find(*decision, "engine.rule_error"), nullptr);
}

}  // namespace
}  // namespace refund

// The refund a decision proposes is never more than the buyer asked for,
// whatever a rule's refund_amount formula computes (decision_combiner.h,
// step 6: within [0, min(requested, paid)]).
#include <memory>
#include <string>

#include "absl/strings/str_replace.h"
#include "engine/load/bundle_loader.h"
#include "gtest/gtest.h"
#include "tests/testing/bundle_with_rules.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

// One rule that approves everything with the amount FORMULA computes.
constexpr char kRule[] = R"pb(
  rules {
    id: "goodwill.amount"
    description: "approves with a computed amount"
    priority: 100
    when: "true"
    verdict: VERDICT_APPROVE
    refund_amount: "FORMULA"
  }
)pb";

std::unique_ptr<const CompiledBundle> BundleComputing(
    const std::string& formula) {
  auto bundle = LoadBundle(testing::TestBundleWithRules(
      absl::StrReplaceAll(kRule, {{"FORMULA", formula}})));
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  return bundle.ok() ? *std::move(bundle) : nullptr;
}

// A buyer who paid ¥129.00 and asks for ¥100.00 back.
v1::RefundRequest PartialRefund() {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.mutable_requested_amount()->set_minor_units(10000);
  return request;
}

int64_t ProposedAmount(const CompiledBundle& bundle,
                       const v1::RefundRequest& request) {
  auto decision = bundle.Decide(request);
  EXPECT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(decision->verdict(), v1::VERDICT_APPROVE);
  return decision.ok() ? decision->refund_amount().minor_units() : -1;
}

TEST(RefundCeilingTest, AmountAboveTheRequestedIsCutToTheRequested) {
  // Above what was asked, still below what was paid.
  auto bundle = BundleComputing("request.requested_amount + yuan(20)");
  ASSERT_NE(bundle, nullptr);
  EXPECT_EQ(ProposedAmount(*bundle, PartialRefund()), 10000);
}

TEST(RefundCeilingTest, PaidAmountIsNotProposedWhenLessWasRequested) {
  auto bundle = BundleComputing("request.order.paid_amount");
  ASSERT_NE(bundle, nullptr);
  EXPECT_EQ(ProposedAmount(*bundle, PartialRefund()), 10000);
}

TEST(RefundCeilingTest, AmountAboveWhatWasPaidIsCutToTheRequested) {
  auto bundle = BundleComputing("request.order.paid_amount * 2");
  ASSERT_NE(bundle, nullptr);
  EXPECT_EQ(ProposedAmount(*bundle, PartialRefund()), 10000);
  EXPECT_EQ(ProposedAmount(*bundle, testing::SevenDayReturn()), 12900);
}

TEST(RefundCeilingTest, AmountBelowTheRequestedIsKept) {
  auto bundle = BundleComputing("request.requested_amount - yuan(30)");
  ASSERT_NE(bundle, nullptr);
  EXPECT_EQ(ProposedAmount(*bundle, PartialRefund()), 7000);
}

TEST(RefundCeilingTest, NegativeAmountBecomesZero) {
  auto bundle = BundleComputing("request.requested_amount - yuan(500)");
  ASSERT_NE(bundle, nullptr);
  EXPECT_EQ(ProposedAmount(*bundle, PartialRefund()), 0);
}

}  // namespace
}  // namespace refund

// What a decision contains when a REJECT whose evidence is not all held
// becomes NEGOTIATE + COLLECT_EVIDENCE (decision_combiner.h, steps 3-5):
// the rejecting rule and the rules without a verdict still contribute (what
// the rejection needs is what is collected); a matched rule with another
// verdict is listed but contributes nothing; the post-verdict rules that
// apply are those of the final verdict, NEGOTIATE, not REJECT.
#include <memory>
#include <string>
#include <vector>

#include "engine/decide/decision_combiner.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/bundle_with_rules.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

constexpr char kRules[] = R"pb(
  rules {
    id: "always.no_night_calls"
    description: "no verdict: contributes to any verdict"
    priority: 1000
    when: "true"
    forbidden: "PHONE_AT_NIGHT"
  }
  rules {
    id: "post.negotiate"
    description: "post-verdict rule of NEGOTIATE"
    priority: 500
    when: "true"
    only_for_verdicts: [ VERDICT_NEGOTIATE ]
    actions: "CONTACT_BY_MESSAGE_FIRST"
  }
  rules {
    id: "post.reject"
    description: "post-verdict rule of REJECT"
    priority: 500
    when: "true"
    only_for_verdicts: [ VERDICT_REJECT ]
    actions: "SEND_RETURN_NOTICE"
  }
  rules {
    id: "late.reject"
    description: "the verdict rule: REJECT if the trace shows it"
    priority: 100
    when: "true"
    verdict: VERDICT_REJECT
    risks: "DISPUTE_RATE"
    evidence {
      kind: EVIDENCE_KIND_LOGISTICS_TRACE
      reasons { locale: "zh-CN" text: "证明签收时间" }
      reasons { locale: "en" text: "shows signing" }
    }
  }
  rules {
    id: "late.negotiate"
    description: "a later verdict rule with another verdict"
    priority: 50
    when: "true"
    verdict: VERDICT_NEGOTIATE
    actions: "CALL_BUYER"
    refund_amount: "request.requested_amount / 2"
  }
)pb";

class RejectNeedsEvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bundle = LoadBundle(testing::TestBundleWithRules(kRules));
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    bundle_ = *std::move(bundle);
  }

  v1::Decision Decide(const v1::RefundRequest& request) {
    auto decision = bundle_->Decide(request);
    EXPECT_TRUE(decision.ok()) << decision.status();
    return decision.value_or(v1::Decision());
  }

  // (code, rule_id) of each action, in the decision's order.
  static std::vector<std::pair<std::string, std::string>> Actions(
      const v1::Decision& decision) {
    std::vector<std::pair<std::string, std::string>> actions;
    for (const auto& action : decision.actions()) {
      actions.emplace_back(action.code(), action.rule_id());
    }
    return actions;
  }

  // (rule_id, verdict) of each matched rule, in the decision's order.
  static std::vector<std::pair<std::string, v1::Verdict>> Matched(
      const v1::Decision& decision) {
    std::vector<std::pair<std::string, v1::Verdict>> matched;
    for (const auto& rule : decision.matched_rules()) {
      matched.emplace_back(rule.rule_id(), rule.verdict());
    }
    return matched;
  }

  std::unique_ptr<const CompiledBundle> bundle_;
};

TEST_F(RejectNeedsEvidenceTest, NegotiateKeepsTheRejectingRulesContributions) {
  v1::Decision decision = Decide(testing::SevenDayReturn());
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
  // The evidence the rejection needs, not held.
  ASSERT_EQ(decision.required_evidence_size(), 1);
  EXPECT_EQ(decision.required_evidence(0).kind(),
            v1::EVIDENCE_KIND_LOGISTICS_TRACE);
  EXPECT_EQ(decision.required_evidence(0).rule_id(), "late.reject");
  EXPECT_FALSE(decision.required_evidence(0).satisfied());
  // The rejecting rule's risk and the verdict-less rule's forbidden conduct.
  ASSERT_EQ(decision.risks_size(), 1);
  EXPECT_EQ(decision.risks(0).code(), "DISPUTE_RATE");
  EXPECT_EQ(decision.risks(0).rule_id(), "late.reject");
  ASSERT_EQ(decision.forbidden_size(), 1);
  EXPECT_EQ(decision.forbidden(0).rule_id(), "always.no_night_calls");
}

TEST_F(RejectNeedsEvidenceTest, NegotiateGetsThePostVerdictRulesOfNegotiate) {
  v1::Decision decision = Decide(testing::SevenDayReturn());
  // post.negotiate's action and the engine's COLLECT_EVIDENCE, by rank;
  // neither post.reject's SEND_RETURN_NOTICE nor late.negotiate's
  // CALL_BUYER.
  EXPECT_THAT(
      Actions(decision),
      ElementsAre(Pair("CONTACT_BY_MESSAGE_FIRST", "post.negotiate"),
                  Pair("COLLECT_EVIDENCE", kRejectNeedsEvidenceRuleId)));
}

TEST_F(RejectNeedsEvidenceTest, MatchedRulesNameTheRejectAndTheEnginesNote) {
  v1::Decision decision = Decide(testing::SevenDayReturn());
  // Every rule that matched, in evaluation order, with its own verdict
  // (post.reject did not apply, so it is not listed); then the engine's
  // note with the final verdict.
  EXPECT_THAT(
      Matched(decision),
      ElementsAre(Pair("always.no_night_calls", v1::VERDICT_UNSPECIFIED),
                  Pair("post.negotiate", v1::VERDICT_UNSPECIFIED),
                  Pair("late.reject", v1::VERDICT_REJECT),
                  Pair("late.negotiate", v1::VERDICT_NEGOTIATE),
                  Pair(kRejectNeedsEvidenceRuleId, v1::VERDICT_NEGOTIATE)));
}

TEST_F(RejectNeedsEvidenceTest, NegotiateProposesTheRequestedAmount) {
  // late.negotiate's amount is not used: its verdict was not chosen.
  EXPECT_EQ(Decide(testing::SevenDayReturn()).refund_amount().minor_units(),
            12900);
}

TEST_F(RejectNeedsEvidenceTest, RejectWithTheEvidenceHeldGetsItsOwnRules) {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.add_evidence(v1::EVIDENCE_KIND_LOGISTICS_TRACE);
  v1::Decision decision = Decide(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_REJECT);
  EXPECT_EQ(decision.refund_amount().minor_units(), 0);
  EXPECT_THAT(Actions(decision),
              ElementsAre(Pair("SEND_RETURN_NOTICE", "post.reject")));
  EXPECT_THAT(
      Matched(decision),
      ElementsAre(Pair("always.no_night_calls", v1::VERDICT_UNSPECIFIED),
                  Pair("post.reject", v1::VERDICT_UNSPECIFIED),
                  Pair("late.reject", v1::VERDICT_REJECT),
                  Pair("late.negotiate", v1::VERDICT_NEGOTIATE)));
}

}  // namespace
}  // namespace refund

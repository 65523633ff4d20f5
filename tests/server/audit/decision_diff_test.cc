#include "server/audit/decision_diff.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace refund::server {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

v1::Decision Stored() {
  v1::Decision decision;
  decision.set_decision_id("d-1");
  decision.set_request_id("r-1");
  decision.set_verdict(v1::VERDICT_APPROVE);
  decision.mutable_refund_amount()->set_currency("CNY");
  decision.mutable_refund_amount()->set_minor_units(12900);
  decision.add_actions()->set_code("SEND_RETURN_NOTICE");
  decision.add_matched_rules()->set_rule_id("seven_day.approve");
  decision.mutable_respond_by()->set_seconds(1000);
  decision.mutable_policy()->set_version("v1");
  decision.mutable_decided_at()->set_seconds(500);
  return decision;
}

TEST(DecisionDiffTest, IdAndTimeAreNeverCompared) {
  v1::Decision replayed = Stored();
  replayed.set_decision_id("d-2");
  replayed.mutable_decided_at()->set_seconds(900);
  EXPECT_THAT(ChangedFields(Stored(), replayed), IsEmpty());
}

TEST(DecisionDiffTest, NamesLeavesListsAndTimesInFieldOrder) {
  v1::Decision replayed = Stored();
  replayed.mutable_respond_by()->set_nanos(1);
  replayed.mutable_matched_rules(0)->set_explanation("other");
  replayed.add_actions()->set_code("ESCALATE_TO_OWNER");
  replayed.mutable_refund_amount()->set_minor_units(100);
  replayed.set_verdict(v1::VERDICT_NEGOTIATE);
  replayed.add_forbidden()->set_code("PHONE_AT_NIGHT");
  EXPECT_THAT(ChangedFields(Stored(), replayed),
              ElementsAre("verdict", "refund_amount.minor_units", "actions",
                          "forbidden", "matched_rules", "respond_by"));
}

TEST(DecisionDiffTest, PolicyIsComparedOnlyWhenAsked) {
  v1::Decision replayed = Stored();
  replayed.mutable_policy()->set_version("v2");
  EXPECT_THAT(ChangedFields(Stored(), replayed), ElementsAre("policy.version"));
  EXPECT_THAT(ChangedFields(Stored(), replayed, {/*compare_policy=*/false}),
              IsEmpty());
}

TEST(DecisionDiffTest, AnAddedOrRemovedMessageIsNamed) {
  v1::Decision replayed = Stored();
  replayed.clear_refund_amount();
  replayed.clear_matched_rules();
  EXPECT_THAT(ChangedFields(Stored(), replayed),
              ElementsAre("refund_amount", "matched_rules"));
}

}  // namespace
}  // namespace refund::server

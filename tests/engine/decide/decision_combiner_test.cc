#include "engine/decide/decision_combiner.h"

#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using ::refund::testing::StatusIs;
using ::testing::_;
using testing::At;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class DecisionCombinerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = LoadBundle(testing::TestBundleFiles());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    bundle_ = *std::move(loaded);
  }

  v1::Decision Decide(const v1::RefundRequest& request) {
    auto decision = bundle_->Decide(request);
    EXPECT_TRUE(decision.ok()) << decision.status();
    return decision.value_or(v1::Decision());
  }

  static std::vector<std::string> Codes(const v1::Decision& d) {
    std::vector<std::string> codes;
    for (const auto& a : d.actions()) codes.push_back(a.code());
    return codes;
  }
  static std::vector<std::string> Rules(const v1::Decision& d) {
    std::vector<std::string> ids;
    for (const auto& m : d.matched_rules()) ids.push_back(m.rule_id());
    return ids;
  }

  std::unique_ptr<const CompiledBundle> bundle_;
};

TEST_F(DecisionCombinerTest, SevenDayReturnIsApprovedWithItsScript) {
  v1::Decision d = Decide(testing::SevenDayReturn());
  EXPECT_EQ(d.verdict(), v1::VERDICT_APPROVE);
  EXPECT_EQ(d.refund_amount().minor_units(), 12900);
  EXPECT_EQ(d.refund_amount().currency(), "CNY");
  EXPECT_THAT(Codes(d), ElementsAre("SEND_RETURN_NOTICE"));
  EXPECT_EQ(d.actions(0).script(), "退款¥129.00，请在2026-05-04 10:00前寄回");
  EXPECT_EQ(d.actions(0).rule_id(), "seven_day.approve");
  EXPECT_EQ(d.actions(0).channel(), v1::CHANNEL_MESSAGE);
  EXPECT_EQ(d.actions(0).due_by(), At("2026-05-04T10:00:00+08:00"));
  EXPECT_EQ(d.respond_by(), At("2026-05-04T10:00:00+08:00"));
  ASSERT_EQ(d.forbidden_size(), 1);
  EXPECT_EQ(d.forbidden(0).code(), "PHONE_AT_NIGHT");
  ASSERT_EQ(d.risks_size(), 1);
  EXPECT_EQ(d.risks(0).code(), "DISPUTE_RATE");
  EXPECT_THAT(Rules(d),
              ElementsAre("always.no_night_calls", "seven_day.approve"));
  EXPECT_EQ(d.policy().bundle_name(), "test");
  EXPECT_EQ(d.policy().version(), bundle_->version());
  EXPECT_EQ(d.locale(), "zh-CN");
}

TEST_F(DecisionCombinerTest, RendersInTheRequestedLocale) {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.set_locale("en");
  v1::Decision d = Decide(request);
  EXPECT_EQ(d.locale(), "en");
  EXPECT_EQ(d.actions(0).script(),
            "Refund ¥129.00; ship back before 2026-05-04 10:00");
  EXPECT_EQ(d.forbidden(0).reason(), "No calls at night");
}

TEST_F(DecisionCombinerTest, UnknownLocaleFallsBackToTheDefault) {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.set_locale("fr");
  EXPECT_EQ(Decide(request).locale(), "zh-CN");
}

TEST_F(DecisionCombinerTest, RejectWithoutEvidenceBecomesNegotiate) {
  v1::RefundRequest request = testing::SevenDayReturn();
  *request.mutable_requested_at() = At("2026-05-09T10:00:00+08:00");
  v1::Decision d = Decide(request);
  EXPECT_EQ(d.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_THAT(Codes(d),
              ElementsAre("CONTACT_BY_MESSAGE_FIRST", "COLLECT_EVIDENCE"));
  EXPECT_EQ(d.actions(1).script(), "请补充：物流轨迹");
  ASSERT_EQ(d.required_evidence_size(), 1);
  EXPECT_EQ(d.required_evidence(0).kind(), v1::EVIDENCE_KIND_LOGISTICS_TRACE);
  EXPECT_FALSE(d.required_evidence(0).satisfied());
  EXPECT_EQ(d.required_evidence(0).reason(), "证明签收时间");
  // Evaluation order (priority, then id), then what the engine added.
  EXPECT_THAT(Rules(d),
              ElementsAre("always.message_first", "always.no_night_calls",
                          "seven_day.late", kRejectNeedsEvidenceRuleId));
  EXPECT_THAT(d.matched_rules(3).explanation(),
              HasSubstr("EVIDENCE_KIND_LOGISTICS_TRACE"));
  // The proposed amount while negotiating is what the buyer asked for.
  EXPECT_EQ(d.refund_amount().minor_units(), 12900);
}

TEST_F(DecisionCombinerTest, RejectWithEvidenceHeldStands) {
  v1::RefundRequest request = testing::SevenDayReturn();
  *request.mutable_requested_at() = At("2026-05-09T10:00:00+08:00");
  request.add_evidence(v1::EVIDENCE_KIND_LOGISTICS_TRACE);
  v1::Decision d = Decide(request);
  EXPECT_EQ(d.verdict(), v1::VERDICT_REJECT);
  EXPECT_EQ(d.refund_amount().minor_units(), 0);
  EXPECT_TRUE(d.required_evidence(0).satisfied());
  EXPECT_THAT(Codes(d), ElementsAre("CONTACT_BY_MESSAGE_FIRST"));
  // Evidence reasons are per locale, like the scripts.
  request.set_locale("en");
  EXPECT_EQ(Decide(request).required_evidence(0).reason(), "shows signing");
}

TEST_F(DecisionCombinerTest, WindowClosesAtMidnightEndingTheSeventhDay) {
  v1::RefundRequest request = testing::SevenDayReturn();
  *request.mutable_order()->mutable_delivered_at() =
      At("2026-05-01T23:30:00+08:00");
  *request.mutable_requested_at() = At("2026-05-08T23:59:00+08:00");
  EXPECT_EQ(Decide(request).verdict(), v1::VERDICT_APPROVE);
  *request.mutable_requested_at() = At("2026-05-09T00:00:00+08:00");
  EXPECT_EQ(Decide(request).verdict(), v1::VERDICT_NEGOTIATE);
  // The window is judged when the buyer applied, not when it is evaluated.
  *request.mutable_applied_at() = At("2026-05-08T23:59:59+08:00");
  *request.mutable_requested_at() = At("2026-05-12T09:00:00+08:00");
  EXPECT_EQ(Decide(request).verdict(), v1::VERDICT_APPROVE);
}

TEST_F(DecisionCombinerTest, GiftValueIsDeductedAndCapped) {
  v1::RefundRequest request = testing::SevenDayReturn();
  v1::LineItem* gift = request.mutable_order()->add_items();
  gift->set_sku("beauty-device");
  gift->set_quantity(1);
  gift->set_is_gift(true);
  gift->mutable_gift_value()->set_minor_units(1500);
  request.mutable_inspection()->set_inspected(true);
  v1::ReceivedItem* received =
      request.mutable_inspection()->add_received_items();
  received->set_sku("dress-blue");
  received->set_quantity(1);
  v1::Decision d = Decide(request);
  EXPECT_EQ(d.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_EQ(d.refund_amount().minor_units(), 12900 - 1500);
  gift->mutable_gift_value()->set_minor_units(5000);
  EXPECT_EQ(Decide(request).refund_amount().minor_units(), 12900 - 2000);
}

TEST_F(DecisionCombinerTest, PhoneActionWaitsForTheEndOfQuietHours) {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.mutable_order()->add_items()->set_is_gift(true);
  request.mutable_order()->mutable_items(1)->set_quantity(1);
  request.mutable_order()
      ->mutable_items(1)
      ->mutable_gift_value()
      ->set_minor_units(100);
  request.mutable_inspection()->set_inspected(true);
  *request.mutable_requested_at() = At("2026-05-03T23:10:00+08:00");
  v1::Decision d = Decide(request);
  const v1::SuggestedAction* call = nullptr;
  for (const auto& action : d.actions()) {
    if (action.code() == "CALL_BUYER") call = &action;
  }
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->channel(), v1::CHANNEL_PHONE);
  EXPECT_EQ(call->not_before(), At("2026-05-04T08:00:00+08:00"));
  // Message actions come first: CONTACT_BY_MESSAGE_FIRST has rank 0.
  EXPECT_EQ(d.actions(0).code(), "CONTACT_BY_MESSAGE_FIRST");
}

TEST_F(DecisionCombinerTest, NoVerdictRuleMeansFallback) {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.set_reason(v1::REASON_QUALITY_ISSUE);
  v1::Decision d = Decide(request);
  EXPECT_EQ(d.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_THAT(Codes(d),
              ElementsAre("CONTACT_BY_MESSAGE_FIRST", "ESCALATE_TO_OWNER"));
  EXPECT_THAT(Rules(d), ::testing::Contains(kFallbackRuleId));
}

TEST_F(DecisionCombinerTest, EvaluationErrorIsReportedNotSilent) {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.set_reason(v1::REASON_OTHER);  // deadline.broken reads an unset time
  v1::Decision d = Decide(request);
  EXPECT_EQ(d.verdict(), v1::VERDICT_NEGOTIATE);
  bool reported = false;
  for (const auto& m : d.matched_rules()) {
    if (m.rule_id() == "deadline.broken") {
      reported = true;
      EXPECT_THAT(m.explanation(), HasSubstr("evaluation error"));
    }
  }
  EXPECT_TRUE(reported);
  EXPECT_THAT(Codes(d), ::testing::Contains("ESCALATE_TO_OWNER"));
  // With the deadline set, the rule evaluates and matches.
  *request.mutable_after_sale_deadline() = At("2026-05-03T20:00:00+08:00");
  d = Decide(request);
  EXPECT_THAT(Rules(d), ::testing::Contains("deadline.broken"));
  EXPECT_THAT(Codes(d),
              ::testing::Not(::testing::Contains("ESCALATE_TO_OWNER")));
}

TEST_F(DecisionCombinerTest, UrgentCasesAnswerInTwoHoursAndDeadlineCaps) {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.mutable_flags()->set_urgent(true);
  EXPECT_EQ(Decide(request).respond_by(), At("2026-05-03T12:00:00+08:00"));
  *request.mutable_after_sale_deadline() = At("2026-05-03T11:00:00+08:00");
  EXPECT_EQ(Decide(request).respond_by(), At("2026-05-03T11:00:00+08:00"));
}

TEST_F(DecisionCombinerTest, SameRequestSameBytes) {
  v1::RefundRequest request = testing::SevenDayReturn();
  std::string first, second;
  Decide(request).SerializeToString(&first);
  Decide(request).SerializeToString(&second);
  EXPECT_EQ(first, second);
}

TEST_F(DecisionCombinerTest, InvalidRequestIsRefused) {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.clear_request_id();
  EXPECT_THAT(bundle_->Decide(request),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
}

}  // namespace
}  // namespace refund

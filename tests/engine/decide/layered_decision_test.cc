// A shop layer combined with its floor (policies/README.md, "Shop layers"):
// more generous verdicts and amounts apply, the floor's evidence, forbidden
// conduct and risks are never dropped, the layer's own evidence guards a
// REJECT, the earlier deadline wins; and by construction, a layer that
// would weaken the floor (loaded here from canonical text, which skips the
// load-time check) cannot.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/testing/test_layer.h"

namespace refund {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::refund::testing::At;
using ::refund::testing::LoadTestLayer;
using ::refund::testing::SevenDayReturn;
using ::refund::testing::TestFloor;
using ::testing::Contains;
using ::testing::Not;

std::vector<std::string> RuleIds(const v1::Decision& decision) {
  std::vector<std::string> ids;
  for (const v1::MatchedRule& rule : decision.matched_rules()) {
    ids.push_back(rule.rule_id());
  }
  return ids;
}

std::vector<std::string> ActionCodes(const v1::Decision& decision) {
  std::vector<std::string> codes;
  for (const v1::SuggestedAction& action : decision.actions()) {
    codes.push_back(action.code());
  }
  return codes;
}

std::vector<v1::EvidenceKind> EvidenceKinds(const v1::Decision& decision) {
  std::vector<v1::EvidenceKind> kinds;
  for (const v1::EvidenceRequirement& evidence : decision.required_evidence()) {
    kinds.push_back(evidence.kind());
  }
  return kinds;
}

// Ten days after signing: past the floor's seven.
v1::RefundRequest LateReturn() {
  v1::RefundRequest request = SevenDayReturn();
  *request.mutable_applied_at() = At("2026-05-11T10:00:00+08:00");
  *request.mutable_requested_at() = At("2026-05-11T10:00:00+08:00");
  return request;
}

class LayeredDecisionTest : public ::testing::Test {
 protected:
  std::unique_ptr<const CompiledBundle> Layer(const std::string& text) {
    absl::StatusOr<std::unique_ptr<const CompiledBundle>> layer =
        LoadTestLayer(loader_, text);
    EXPECT_TRUE(layer.ok()) << layer.status();
    return layer.ok() ? *std::move(layer) : nullptr;
  }
  // A layer that skips the load-time floor check: what the run-time
  // combining alone must keep in bounds.
  std::unique_ptr<const CompiledBundle> UncheckedLayer(
      const std::string& text) {
    const std::string canonical =
        absl::StrCat("name: \"shop-1\"\nshop_id: \"shop-1\"\nfloor_version: \"",
                     loader_.floor()->version(), "\"\n", text);
    absl::StatusOr<std::unique_ptr<const CompiledBundle>> layer =
        loader_.LoadCanonicalText(canonical);
    EXPECT_TRUE(layer.ok()) << layer.status();
    return layer.ok() ? *std::move(layer) : nullptr;
  }
  v1::Decision Decide(const CompiledBundle& bundle,
                      const v1::RefundRequest& request) {
    absl::StatusOr<v1::Decision> decision = bundle.Decide(request);
    EXPECT_TRUE(decision.ok()) << decision.status();
    return decision.ok() ? *decision : v1::Decision();
  }

  ShopLayerLoader loader_{TestFloor()};
};

TEST_F(LayeredDecisionTest, AnEmptyLayerDecidesAsTheFloorAndNamesBoth) {
  std::unique_ptr<const CompiledBundle> layer = Layer("");
  ASSERT_NE(layer, nullptr);
  for (const v1::RefundRequest& request : {SevenDayReturn(), LateReturn()}) {
    v1::Decision floor = Decide(*loader_.floor(), request);
    v1::Decision layered = Decide(*layer, request);
    EXPECT_EQ(layered.policy().bundle_name(), floor.policy().bundle_name());
    EXPECT_EQ(layered.policy().version(), loader_.floor()->version());
    EXPECT_EQ(layered.policy().layer_shop_id(), "shop-1");
    EXPECT_EQ(layered.policy().layer_version(), layer->version());
    layered.clear_policy();
    floor.clear_policy();
    EXPECT_EQ(layered.SerializeAsString(), floor.SerializeAsString());
  }
}

TEST_F(LayeredDecisionTest,
       AMoreGenerousLayerVerdictAppliesAndKeepsFloorEvidence) {
  std::unique_ptr<const CompiledBundle> layer = Layer(R"pb(
    rules {
      id: "shop.fifteen_days"
      description: "15 days"
      priority: 100
      when: "request.reason == REASON_NO_REASON && is_delivered() && within_days_of_signing(15)"
      verdict: VERDICT_APPROVE
      actions: "SEND_RETURN_NOTICE"
    }
  )pb");
  ASSERT_NE(layer, nullptr);
  const v1::Decision floor = Decide(*loader_.floor(), LateReturn());
  ASSERT_NE(floor.verdict(), v1::VERDICT_APPROVE);
  const v1::Decision layered = Decide(*layer, LateReturn());
  EXPECT_EQ(layered.verdict(), v1::VERDICT_APPROVE);
  EXPECT_EQ(layered.refund_amount().minor_units(),
            LateReturn().requested_amount().minor_units());
  EXPECT_THAT(ActionCodes(layered), Contains("SEND_RETURN_NOTICE"));
  // The floor's REJECT asked for the logistics trace: never dropped.
  EXPECT_THAT(EvidenceKinds(layered),
              Contains(v1::EVIDENCE_KIND_LOGISTICS_TRACE));
  bool layer_rule_named = false;
  for (const v1::MatchedRule& rule : layered.matched_rules()) {
    if (rule.rule_id() == "shop.fifteen_days") {
      layer_rule_named = rule.shop_layer() == "shop-1";
    } else {
      EXPECT_EQ(rule.shop_layer(), "") << rule.rule_id();
    }
  }
  EXPECT_TRUE(layer_rule_named);
  // The floor's forbidden conduct stays.
  ASSERT_GT(layered.forbidden_size(), 0);
  EXPECT_EQ(layered.forbidden(0).code(), "PHONE_AT_NIGHT");
}

TEST_F(LayeredDecisionTest, ALayersEvidenceGuardsAFloorReject) {
  std::unique_ptr<const CompiledBundle> layer = Layer(R"pb(
    rules {
      id: "shop.late_needs_video"
      description: "refuse late returns only with an unboxing video"
      when: "request.reason == REASON_NO_REASON && !within_days_of_signing(7)"
      evidence { kind: EVIDENCE_KIND_UNBOXING_VIDEO reason: "video" }
    }
  )pb");
  ASSERT_NE(layer, nullptr);
  v1::RefundRequest request = LateReturn();
  request.add_evidence(v1::EVIDENCE_KIND_LOGISTICS_TRACE);
  ASSERT_EQ(Decide(*loader_.floor(), request).verdict(), v1::VERDICT_REJECT);
  const v1::Decision layered = Decide(*layer, request);
  EXPECT_EQ(layered.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_THAT(ActionCodes(layered), Contains("COLLECT_EVIDENCE"));
  EXPECT_THAT(RuleIds(layered), Contains("engine.reject_needs_evidence"));

  request.add_evidence(v1::EVIDENCE_KIND_UNBOXING_VIDEO);
  EXPECT_EQ(Decide(*layer, request).verdict(), v1::VERDICT_REJECT);
}

TEST_F(LayeredDecisionTest, ALayerMayGiveMoreMoneyNeverLess) {
  v1::RefundRequest request = SevenDayReturn();
  v1::LineItem* gift = request.mutable_order()->add_items();
  gift->set_sku("GIFT");
  gift->set_quantity(1);
  gift->set_is_gift(true);
  gift->mutable_gift_value()->set_minor_units(1500);
  request.mutable_inspection()->set_inspected(true);
  v1::ReceivedItem* back = request.mutable_inspection()->add_received_items();
  back->set_sku(request.order().items(0).sku());
  back->set_quantity(request.order().items(0).quantity());
  const v1::Decision floor = Decide(*loader_.floor(), request);
  ASSERT_EQ(floor.verdict(), v1::VERDICT_NEGOTIATE);
  const int64_t requested = request.requested_amount().minor_units();
  ASSERT_EQ(floor.refund_amount().minor_units(), requested - 1500);

  std::unique_ptr<const CompiledBundle> more = Layer(R"pb(
    rules {
      id: "shop.keep_the_gift"
      description: "no deduction for a gift"
      priority: 300
      when: "request.inspection.inspected && unreturned_gift_value() > fen(0)"
      verdict: VERDICT_NEGOTIATE
      refund_amount: "request.requested_amount"
    }
  )pb");
  ASSERT_NE(more, nullptr);
  EXPECT_EQ(Decide(*more, request).refund_amount().minor_units(), requested);

  std::unique_ptr<const CompiledBundle> less = UncheckedLayer(R"pb(
    rules {
      id: "shop.deduct_more"
      description: "deduct 50 yuan"
      priority: 300
      when: "true"
      verdict: VERDICT_NEGOTIATE
      refund_amount: "request.requested_amount - yuan(50)"
    }
  )pb");
  ASSERT_NE(less, nullptr);
  EXPECT_EQ(Decide(*less, request).refund_amount().minor_units(),
            requested - 1500);
}

TEST_F(LayeredDecisionTest, AWeakeningLayerCannotLowerTheVerdictAtRunTime) {
  std::unique_ptr<const CompiledBundle> layer = UncheckedLayer(R"pb(
    rules {
      id: "shop.refuse_all"
      description: "refuse everything"
      priority: 10000
      when: "true"
      verdict: VERDICT_REJECT
      actions: "CALL_BUYER"
    }
  )pb");
  ASSERT_NE(layer, nullptr);
  const v1::Decision layered = Decide(*layer, SevenDayReturn());
  EXPECT_EQ(layered.verdict(), v1::VERDICT_APPROVE);
  EXPECT_EQ(layered.refund_amount().minor_units(),
            SevenDayReturn().requested_amount().minor_units());
  // Listed, contributing nothing.
  EXPECT_THAT(RuleIds(layered), Contains("shop.refuse_all"));
  EXPECT_THAT(ActionCodes(layered), Not(Contains("CALL_BUYER")));
}

TEST_F(LayeredDecisionTest, TheEarlierDeadlineAndTheWiderQuietHoursApply) {
  std::unique_ptr<const CompiledBundle> layer = Layer(R"pb(
    settings {
      sla_default_hours: 12
      quiet_hours { start: "21:00" end: "09:00" }
    }
    rules {
      id: "shop.call_late_returns"
      description: "call about late returns"
      when: "request.reason == REASON_NO_REASON && !within_days_of_signing(7)"
      actions: "CALL_BUYER"
    }
  )pb");
  ASSERT_NE(layer, nullptr);
  v1::RefundRequest request = LateReturn();
  // 21:30 local: inside the layer's quiet hours, outside the floor's.
  *request.mutable_requested_at() = At("2026-05-11T21:30:00+08:00");
  const v1::Decision layered = Decide(*layer, request);
  EXPECT_EQ(TimeUtil::ToString(layered.respond_by()),
            TimeUtil::ToString(At("2026-05-12T09:30:00+08:00")));
  bool called = false;
  for (const v1::SuggestedAction& action : layered.actions()) {
    if (action.code() != "CALL_BUYER") continue;
    called = true;
    EXPECT_EQ(TimeUtil::ToString(action.not_before()),
              TimeUtil::ToString(At("2026-05-12T09:00:00+08:00")));
  }
  EXPECT_TRUE(called);
}

}  // namespace
}  // namespace refund

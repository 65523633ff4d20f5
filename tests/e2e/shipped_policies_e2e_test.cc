// End-to-end: the scenario families of the shipped bundle (policies/).
#include "gtest/gtest.h"
#include "refund/v1/service.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"

namespace refund::e2e {
namespace {

TEST_F(ShippedPoliciesTest, SevenDayReturnInsideWindowIsApproved) {
  const v1::Decision decision = DecideOk(SevenDayReturn("s-seven-day"));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_APPROVE);
}

TEST_F(ShippedPoliciesTest, EmptyParcelWithoutEvidenceCollectsEvidence) {
  const v1::Decision decision = DecideOk(EmptyParcelReturn("s-empty-parcel"));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_TRUE(HasAction(decision, "COLLECT_EVIDENCE"));
}

TEST_F(ShippedPoliciesTest, UnreturnedGiftIsDeductedFromRefund) {
  const v1::Decision decision = DecideOk(ReturnWithoutGift("s-gift"));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_EQ(decision.refund_amount().minor_units(), 12900 - 1500);
}

TEST_F(ShippedPoliciesTest, WrongItemReturnedIsNegotiated) {
  const v1::Decision decision = DecideOk(
      ReturnedAndInspected("s-wrong-item", "SF789", "SKU-SOMETHING-ELSE"));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
}

TEST_F(ShippedPoliciesTest, ResaleDamageByBuyerIsNegotiatedNotRefused) {
  v1::RefundRequest request =
      ReturnedAndInspected("s-resale", "SF321", "SKU-SHIRT");
  v1::Inspection* inspection = request.mutable_inspection();
  inspection->add_resale_defects(v1::RESALE_DEFECT_TAGS_REMOVED);
  inspection->set_damage_cause(v1::DAMAGE_CAUSE_BUYER);
  // Even with the evidence in hand the seed says: do not refuse rashly.
  request.add_evidence(v1::EVIDENCE_KIND_WAYBILL_WITH_PRODUCT_PHOTO);
  request.add_evidence(v1::EVIDENCE_KIND_UNBOXING_VIDEO);
  const v1::Decision decision = DecideOk(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
  ASSERT_GT(decision.actions_size(), 0);
  EXPECT_EQ(decision.actions(0).code(), "CONTACT_BY_MESSAGE_FIRST");
  EXPECT_TRUE(HasAction(decision, "OFFER_PARTIAL_REFUND"));
  EXPECT_LT(decision.refund_amount().minor_units(), 12900);
}

}  // namespace
}  // namespace refund::e2e

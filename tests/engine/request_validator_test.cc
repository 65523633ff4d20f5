#include "engine/request_validator.h"

#include <functional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/test_bundle.h"

namespace refund {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(RequestValidatorTest, AcceptsAValidRequest) {
  EXPECT_TRUE(ValidateRefundRequest(testing::SevenDayReturn()).ok());
}

struct InvalidCase {
  std::string name;
  std::function<void(v1::RefundRequest*)> mutate;
  std::string field;  // the error must start with it
};

class InvalidRequestTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidRequestTest, NamesTheField) {
  v1::RefundRequest request = testing::SevenDayReturn();
  GetParam().mutate(&request);
  absl::Status status = ValidateRefundRequest(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              StartsWith(GetParam().field + ":"));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, InvalidRequestTest,
    ::testing::Values(
        InvalidCase{"MissingRequestId", [](auto* r) { r->clear_request_id(); },
                    "request.request_id"},
        InvalidCase{"MissingRefundId", [](auto* r) { r->clear_refund_id(); },
                    "request.refund_id"},
        InvalidCase{"MissingShopId", [](auto* r) { r->clear_shop_id(); },
                    "request.shop_id"},
        InvalidCase{"LongRequestId",
                    [](auto* r) { r->set_request_id(std::string(200, 'x')); },
                    "request.request_id"},
        InvalidCase{"ControlCharacter", [](auto* r) { r->set_shop_id("a\nb"); },
                    "request.shop_id"},
        InvalidCase{
            "NegativeAmount",
            [](auto* r) { r->mutable_requested_amount()->set_minor_units(-1); },
            "request.requested_amount.minor_units"},
        InvalidCase{
            "HugeAmount",
            [](auto* r) {
              r->mutable_order()->mutable_paid_amount()->set_minor_units(
                  INT64_MAX);
            },
            "request.order.paid_amount.minor_units"},
        InvalidCase{"RequestedAbovePaid",
                    [](auto* r) {
                      r->mutable_requested_amount()->set_minor_units(13000);
                    },
                    "request.requested_amount"},
        InvalidCase{
            "CurrencyMismatch",
            [](auto* r) { r->mutable_requested_amount()->set_currency("USD"); },
            "request.requested_amount.currency"},
        InvalidCase{"BadCurrency",
                    [](auto* r) {
                      r->mutable_requested_amount()->set_currency("yuan");
                    },
                    "request.requested_amount.currency"},
        InvalidCase{"UnknownReason",
                    [](auto* r) { r->set_reason(static_cast<v1::Reason>(99)); },
                    "request.reason"},
        InvalidCase{
            "UnknownPlatform",
            [](auto* r) { r->set_platform(static_cast<v1::Platform>(-3)); },
            "request.platform"},
        InvalidCase{
            "UnknownEvidence",
            [](auto* r) { r->add_evidence(static_cast<v1::EvidenceKind>(77)); },
            "request.evidence[0]"},
        InvalidCase{"UnknownDefect",
                    [](auto* r) {
                      r->mutable_inspection()->add_resale_defects(
                          static_cast<v1::ResaleDefect>(1000));
                    },
                    "request.inspection.resale_defects[0]"},
        InvalidCase{"DeliveredAfterRequested",
                    [](auto* r) {
                      *r->mutable_order()->mutable_delivered_at() =
                          testing::At("2026-06-01T00:00:00Z");
                    },
                    "request.order.delivered_at"},
        InvalidCase{"DeliveredBeforeShipped",
                    [](auto* r) {
                      *r->mutable_order()->mutable_delivered_at() =
                          testing::At("2026-04-28T10:00:00+08:00");
                    },
                    "request.order.delivered_at"},
        InvalidCase{"AppliedAfterRequested",
                    [](auto* r) {
                      *r->mutable_applied_at() =
                          testing::At("2026-05-04T10:00:00+08:00");
                    },
                    "request.applied_at"},
        InvalidCase{"MissingRequestedAt",
                    [](auto* r) { r->clear_requested_at(); },
                    "request.requested_at"},
        InvalidCase{"BadNanos",
                    [](auto* r) { r->mutable_requested_at()->set_nanos(-5); },
                    "request.requested_at"},
        InvalidCase{"TimestampOutOfRange",
                    [](auto* r) {
                      r->mutable_after_sale_deadline()->set_seconds(INT64_MAX);
                    },
                    "request.after_sale_deadline"},
        InvalidCase{"NegativeQuantity",
                    [](auto* r) {
                      r->mutable_order()->mutable_items(0)->set_quantity(-1);
                    },
                    "request.order.items[0].quantity"},
        InvalidCase{"TooManyItems",
                    [](auto* r) {
                      for (int i = 0; i <= kMaxLineItems; ++i) {
                        r->mutable_order()->add_items()->set_sku("x");
                      }
                    },
                    "request.order.items"},
        InvalidCase{"TooMuchEvidence",
                    [](auto* r) {
                      for (int i = 0; i <= kMaxEvidence; ++i) {
                        r->add_evidence(v1::EVIDENCE_KIND_CHAT_RECORD);
                      }
                    },
                    "request.evidence"},
        InvalidCase{"ReturnReceivedBeforeShipped",
                    [](auto* r) {
                      *r->mutable_return_shipment()->mutable_shipped_at() =
                          testing::At("2026-05-03T09:00:00+08:00");
                      *r->mutable_return_shipment()->mutable_received_at() =
                          testing::At("2026-05-02T09:00:00+08:00");
                    },
                    "request.return_shipment.received_at"},
        InvalidCase{"NegativeBuyerCount",
                    [](auto* r) { r->mutable_buyer()->set_refunds_90d(-2); },
                    "request.buyer.refunds_90d"}),
    [](const ::testing::TestParamInfo<InvalidCase>& info) {
      return info.param.name;
    });

TEST(RequestValidatorTest, UsesThePrefixGiven) {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.clear_shop_id();
  absl::Status status = ValidateRefundRequest(request, "cases[3].request");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("cases[3].request.shop_id: required"));
}

}  // namespace
}  // namespace refund

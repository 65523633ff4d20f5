// requested_at is the moment a case is judged at (the engine never reads the
// clock): a request without it is refused, even one that gives no other time
// it could be found out of order with.
#include "absl/status/status.h"
#include "engine/decide/request_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "refund/v1/refund.pb.h"
#include "tests/testing/status_matchers.h"

namespace refund {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

v1::RefundRequest RequestWithOnlyRequestedAt() {
  v1::RefundRequest request;
  request.set_request_id("req-1");
  request.set_refund_id("refund-1");
  request.set_shop_id("shop-1");
  request.set_platform(v1::PLATFORM_DOUYIN);
  request.set_type(v1::REQUEST_TYPE_REFUND_ONLY);
  request.set_reason(v1::REASON_NOT_RECEIVED);
  request.mutable_requested_amount()->set_currency("CNY");
  request.mutable_requested_amount()->set_minor_units(100);
  request.mutable_order()->mutable_paid_amount()->set_currency("CNY");
  request.mutable_order()->mutable_paid_amount()->set_minor_units(100);
  request.mutable_requested_at()->set_seconds(1'700'000'000);
  return request;
}

TEST(RequestedAtRequiredTest, ARequestWithOnlyRequestedAtIsValid) {
  EXPECT_TRUE(ValidateRefundRequest(RequestWithOnlyRequestedAt()).ok());
}

TEST(RequestedAtRequiredTest, MissingRequestedAtIsRefusedWhenNoOtherTimeIsSet) {
  v1::RefundRequest request = RequestWithOnlyRequestedAt();
  request.clear_requested_at();
  EXPECT_FALSE(IsValidRefundRequest(request));
  EXPECT_THAT(ValidateRefundRequest(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("request.requested_at: required")));
}

}  // namespace
}  // namespace refund

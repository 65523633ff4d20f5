// requested_at is the moment a case is judged at (the engine never reads the
// clock): a request without it is refused, even one that gives no other time
// it could be found out of order with.
#include "absl/status/status.h"
#include "engine/decide/request_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "refund/v1/refund.pb.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

// The test bundle's seven-day return with every time but requested_at
// cleared.
v1::RefundRequest RequestWithOnlyRequestedAt() {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.clear_applied_at();
  request.clear_after_sale_deadline();
  request.clear_return_shipment();
  v1::Order& order = *request.mutable_order();
  order.clear_paid_at();
  order.clear_shipped_at();
  order.clear_delivered_at();
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

// request.refund_items: every way a line can be wrong gets INVALID_ARGUMENT
// naming the field, from both validator paths (request_validator.h).
#include <functional>
#include <string>
#include <vector>

#include "engine/decide/request_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using ::testing::HasSubstr;

void AddLine(const std::string& sku, int64_t quantity, int64_t unit_price,
             v1::RefundRequest* request) {
  v1::LineItem* item = request->mutable_order()->add_items();
  item->set_sku(sku);
  item->set_quantity(quantity);
  item->mutable_unit_price()->set_minor_units(unit_price);
}

v1::RefundItem* Ask(const std::string& sku, int64_t quantity,
                    v1::RefundRequest* request) {
  v1::RefundItem* item = request->add_refund_items();
  item->set_sku(sku);
  item->set_quantity(quantity);
  return item;
}

// The seven-day return of the test bundle, with two mugs and a plate.
v1::RefundRequest TwoLines() {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.mutable_order()->clear_items();
  AddLine("MUG", 2, 3900, &request);
  AddLine("PLATE", 1, 5900, &request);
  request.mutable_order()->mutable_paid_amount()->set_minor_units(13700);
  request.mutable_requested_amount()->set_minor_units(3900);
  return request;
}

TEST(RefundItemsValidationTest, AcceptsLinesOfTheOrder) {
  v1::RefundRequest request = TwoLines();
  Ask("MUG", 2, &request)->add_claims(v1::LINE_CLAIM_DAMAGED);
  Ask("PLATE", 1, &request);
  EXPECT_TRUE(ValidateRefundRequest(request).ok())
      << ValidateRefundRequest(request);
  EXPECT_TRUE(IsValidRefundRequest(request));
}

struct BadLine {
  std::string name;
  std::function<void(v1::RefundRequest*)> mutate;
  std::string message;
};

TEST(RefundItemsValidationTest, NamesTheField) {
  const std::vector<BadLine> cases = {
      {"QuantityAboveOrdered",
       [](v1::RefundRequest* r) {
         Ask("PLATE", 1, r);
         Ask("MUG", 3, r);
       },
       "request.refund_items[1].quantity: 3 exceeds the 2 ordered"},
      {"ZeroQuantity", [](v1::RefundRequest* r) { Ask("MUG", 0, r); },
       "request.refund_items[0].quantity: 0 is not a positive quantity"},
      {"NegativeQuantity", [](v1::RefundRequest* r) { Ask("MUG", -1, r); },
       "request.refund_items[0].quantity: -1 is not a positive quantity"},
      {"UnknownSku", [](v1::RefundRequest* r) { Ask("BOWL", 1, r); },
       "request.refund_items[0].sku: \"BOWL\" is not in order.items"},
      {"NoSku", [](v1::RefundRequest* r) { Ask("", 1, r); },
       "request.refund_items[0].sku: required"},
      {"SameSkuTwice",
       [](v1::RefundRequest* r) {
         Ask("MUG", 1, r);
         Ask("PLATE", 1, r);
         Ask("MUG", 1, r);
       },
       "request.refund_items[2].sku: \"MUG\" is already refund_items[0]"},
      {"SkuOnTwoLines",
       [](v1::RefundRequest* r) {
         AddLine("MUG", 1, 3900, r);
         r->mutable_order()->mutable_paid_amount()->set_minor_units(17600);
         Ask("MUG", 1, r);
       },
       "request.refund_items[0].sku: \"MUG\" is on 2 order lines"},
      {"UnspecifiedClaim",
       [](v1::RefundRequest* r) {
         Ask("MUG", 1, r)->add_claims(v1::LINE_CLAIM_UNSPECIFIED);
       },
       "request.refund_items[0].claims[0]: required"},
      {"UnknownClaim",
       [](v1::RefundRequest* r) {
         Ask("MUG", 1, r)->add_claims(static_cast<v1::LineClaim>(77));
       },
       "request.refund_items[0].claims[0]: unknown enum value 77"},
      {"ClaimTwice",
       [](v1::RefundRequest* r) {
         v1::RefundItem* item = Ask("MUG", 1, r);
         item->add_claims(v1::LINE_CLAIM_MISSING);
         item->add_claims(v1::LINE_CLAIM_MISSING);
       },
       "request.refund_items[0].claims[1]: LINE_CLAIM_MISSING is already "
       "claims[0]"},
      {"NotReceivedYetDamaged",
       [](v1::RefundRequest* r) {
         v1::RefundItem* item = Ask("PLATE", 1, r);
         item->add_claims(v1::LINE_CLAIM_NOT_RECEIVED);
         item->add_claims(v1::LINE_CLAIM_DAMAGED);
       },
       "request.refund_items[0].claims[1]: LINE_CLAIM_DAMAGED contradicts "
       "claims[0] LINE_CLAIM_NOT_RECEIVED"},
      {"MissingUnitsCameBack",
       [](v1::RefundRequest* r) {
         // Both mugs claimed missing from the delivery, yet one came back.
         Ask("MUG", 2, r)->add_claims(v1::LINE_CLAIM_MISSING);
         v1::ReceivedItem* back = r->mutable_inspection()->add_received_items();
         back->set_sku("MUG");
         back->set_quantity(1);
       },
       "request.refund_items[0].claims[0]: LINE_CLAIM_MISSING contradicts "
       "the inspection: 1 of \"MUG\" came back, but only 0 of the 2 ordered "
       "reached the buyer"},
      {"TooManyLines",
       [](v1::RefundRequest* r) {
         for (int i = 0; i <= kMaxLineItems; ++i) Ask("MUG", 1, r);
       },
       "request.refund_items: more than 500 entries"},
  };
  for (const BadLine& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    v1::RefundRequest request = TwoLines();
    test_case.mutate(&request);
    EXPECT_THAT(ValidateRefundRequest(request),
                testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr(test_case.message)));
    EXPECT_FALSE(IsValidRefundRequest(request));
  }
}

TEST(RefundItemsValidationTest, AMissingClaimLeavesTheOtherUnitsReturnable) {
  // One of two mugs missing from the delivery; the other came back.
  v1::RefundRequest request = TwoLines();
  Ask("MUG", 1, &request)->add_claims(v1::LINE_CLAIM_MISSING);
  v1::ReceivedItem* back = request.mutable_inspection()->add_received_items();
  back->set_sku("MUG");
  back->set_quantity(1);
  EXPECT_TRUE(ValidateRefundRequest(request).ok())
      << ValidateRefundRequest(request);
}

}  // namespace
}  // namespace refund

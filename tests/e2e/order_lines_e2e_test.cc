// End-to-end: requests that name their order lines (refund_items), through
// the real server and the shipped bundle: priced and decided by line, the
// per-line results on the wire, and bad lines refused with INVALID_ARGUMENT
// naming the field (policies/README.md, "Order lines").
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "refund/v1/service.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/grpc_status_matcher.h"

namespace refund::e2e {
namespace {

using ::testing::HasSubstr;

v1::Money Fen(int64_t minor_units) {
  v1::Money money;
  money.set_currency("CNY");
  money.set_minor_units(minor_units);
  return money;
}

void AddLine(const std::string& sku, int64_t quantity, int64_t unit_price,
             v1::RefundRequest* request) {
  v1::LineItem* item = request->mutable_order()->add_items();
  item->set_sku(sku);
  item->set_title(sku);
  item->set_category("tableware");
  item->set_quantity(quantity);
  *item->mutable_unit_price() = Fen(unit_price);
}

void AddRefundItem(const std::string& sku, int64_t quantity,
                   v1::RefundRequest* request) {
  v1::RefundItem* item = request->add_refund_items();
  item->set_sku(sku);
  item->set_quantity(quantity);
}

// Three mugs at 39.00 and a plate at 59.00, paid 160.00 after a coupon: the
// mugs' line is paid 106.36, the plate's 53.64 (largest remainder).
v1::RefundRequest MugsAndPlate(const std::string& request_id) {
  v1::RefundRequest request = SevenDayReturn(request_id);
  request.mutable_order()->clear_items();
  AddLine("MUG", 3, 3900, &request);
  AddLine("PLATE", 1, 5900, &request);
  *request.mutable_order()->mutable_paid_amount() = Fen(16000);
  *request.mutable_requested_amount() = Fen(3900);
  return request;
}

TEST_F(ShippedPoliciesTest, PartialReturnIsPricedByItsLinesPaidShare) {
  v1::RefundRequest request = MugsAndPlate("lines-partial");
  AddRefundItem("MUG", 1, &request);
  const v1::Decision decision = DecideOk(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_APPROVE);
  // floor(10636 x 1 / 3), not the 39.00 asked for.
  EXPECT_EQ(decision.refund_amount().minor_units(), 3545);
  ASSERT_EQ(decision.line_results_size(), 1);
  EXPECT_EQ(decision.line_results(0).sku(), "MUG");
  EXPECT_EQ(decision.line_results(0).quantity(), 1);
  EXPECT_EQ(decision.line_results(0).paid_amount().minor_units(), 3545);
  EXPECT_EQ(decision.line_results(0).approved_amount().minor_units(), 3545);
  EXPECT_EQ(decision.line_results(0).reason(), "FULL");
}

TEST_F(ShippedPoliciesTest, WholeOrderRequestHasNoLineResults) {
  v1::RefundRequest request = MugsAndPlate("lines-whole");
  const v1::Decision decision = DecideOk(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_APPROVE);
  EXPECT_EQ(decision.refund_amount().minor_units(), 3900);
  EXPECT_EQ(decision.line_results_size(), 0);
}

TEST_F(ShippedPoliciesTest, MissingPartsOfOneLineAreDeductedFromThatLine) {
  v1::RefundRequest request = SevenDayReturn("lines-missing");
  request.mutable_order()->clear_items();
  AddLine("MUG", 3, 3900, &request);
  AddLine("PLATE", 2, 5900, &request);
  *request.mutable_order()->mutable_paid_amount() = Fen(23500);
  *request.mutable_requested_amount() = Fen(17600);
  AddRefundItem("MUG", 3, &request);
  AddRefundItem("PLATE", 1, &request);
  v1::RefundRequest returned =
      ReturnedAndInspected("lines-missing", "SF-LINES", "MUG");
  *request.mutable_return_shipment() = returned.return_shipment();
  v1::Inspection* inspection = request.mutable_inspection();
  inspection->set_inspected(true);
  v1::ReceivedItem* mugs = inspection->add_received_items();
  mugs->set_sku("MUG");
  mugs->set_quantity(2);
  v1::ReceivedItem* plate = inspection->add_received_items();
  plate->set_sku("PLATE");
  plate->set_quantity(1);
  const v1::Decision decision = DecideOk(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_EQ(decision.refund_amount().minor_units(), 7800 + 5900);
  ASSERT_EQ(decision.line_results_size(), 2);
  EXPECT_EQ(decision.line_results(0).approved_amount().minor_units(), 7800);
  EXPECT_EQ(decision.line_results(0).reason(), "MISSING_UNITS_DEDUCTED");
  EXPECT_EQ(decision.line_results(1).approved_amount().minor_units(), 5900);
  EXPECT_EQ(decision.line_results(1).reason(), "FULL");
}

struct BadLines {
  std::string name;
  std::function<void(v1::RefundRequest&)> mutate;
  std::string message;
};

TEST_F(ShippedPoliciesTest, BadRefundItemsAreInvalidArgumentNamingTheField) {
  const std::vector<BadLines> cases = {
      {"UnknownSku", [](v1::RefundRequest& r) { AddRefundItem("BOWL", 1, &r); },
       "request.refund_items[0].sku: \"BOWL\" is not in order.items"},
      {"QuantityAboveOrdered",
       [](v1::RefundRequest& r) {
         AddRefundItem("PLATE", 1, &r);
         AddRefundItem("MUG", 4, &r);
       },
       "request.refund_items[1].quantity: 4 exceeds the 3 ordered"},
      {"ZeroQuantity",
       [](v1::RefundRequest& r) { AddRefundItem("MUG", 0, &r); },
       "request.refund_items[0].quantity: 0 is not a positive quantity"},
      {"NegativeQuantity",
       [](v1::RefundRequest& r) { AddRefundItem("MUG", -2, &r); },
       "request.refund_items[0].quantity: -2 is not a positive quantity"},
      {"SameSkuTwice",
       [](v1::RefundRequest& r) {
         AddRefundItem("MUG", 1, &r);
         AddRefundItem("MUG", 1, &r);
       },
       "request.refund_items[1].sku: \"MUG\" is already refund_items[0]"},
      {"ClaimContradictsInspection",
       [](v1::RefundRequest& r) {
         AddRefundItem("PLATE", 1, &r);
         r.mutable_refund_items(0)->add_claims(v1::LINE_CLAIM_NOT_RECEIVED);
         v1::ReceivedItem* back = r.mutable_inspection()->add_received_items();
         back->set_sku("PLATE");
         back->set_quantity(1);
       },
       "request.refund_items[0].claims[0]: LINE_CLAIM_NOT_RECEIVED "
       "contradicts the inspection"},
      {"ClaimsContradictEachOther",
       [](v1::RefundRequest& r) {
         AddRefundItem("MUG", 1, &r);
         r.mutable_refund_items(0)->add_claims(v1::LINE_CLAIM_DAMAGED);
         r.mutable_refund_items(0)->add_claims(v1::LINE_CLAIM_NOT_RECEIVED);
       },
       "request.refund_items[0].claims[1]: LINE_CLAIM_NOT_RECEIVED "
       "contradicts claims[0] LINE_CLAIM_DAMAGED"},
  };
  for (const BadLines& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    v1::RefundRequest request =
        MugsAndPlate(absl::StrCat("lines-bad-", test_case.name));
    test_case.mutate(request);
    v1::Decision ignored;
    EXPECT_THAT(Call(Decide(request), &ignored),
                GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                             HasSubstr(test_case.message)));
  }
}

}  // namespace
}  // namespace refund::e2e

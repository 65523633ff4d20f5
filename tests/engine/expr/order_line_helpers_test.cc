// The expression language over order lines: request.refund_items and the
// line helpers (returned_value, missing_value, requested_lines_paid,
// line_paid), type-checked like every field; and the missing-unit helpers
// that count only the lines asked for once a request names them.
#include <cstdint>
#include <string>

#include "engine/expr/expression.h"
#include "gtest/gtest.h"
#include "refund/v1/refund.pb.h"
#include "tests/testing/expr_test_util.h"

namespace refund::expr {
namespace {

// Three mugs (117.00) and two plates (118.00), paid 235.00; two mugs and
// one plate came back.
v1::RefundRequest MugsAndPlates() {
  v1::RefundRequest request;
  v1::Order* order = request.mutable_order();
  v1::LineItem* mugs = order->add_items();
  mugs->set_sku("MUG");
  mugs->set_quantity(3);
  mugs->mutable_unit_price()->set_minor_units(3900);
  v1::LineItem* plates = order->add_items();
  plates->set_sku("PLATE");
  plates->set_quantity(2);
  plates->mutable_unit_price()->set_minor_units(5900);
  order->mutable_paid_amount()->set_minor_units(23500);
  v1::Inspection* inspection = request.mutable_inspection();
  inspection->set_inspected(true);
  v1::ReceivedItem* back = inspection->add_received_items();
  back->set_sku("MUG");
  back->set_quantity(2);
  back = inspection->add_received_items();
  back->set_sku("PLATE");
  back->set_quantity(1);
  return request;
}

void Ask(const std::string& sku, int64_t quantity, v1::RefundRequest* request) {
  v1::RefundItem* item = request->add_refund_items();
  item->set_sku(sku);
  item->set_quantity(quantity);
}

int64_t Evaluate(const std::string& text, const v1::RefundRequest& request) {
  const Environment env = testing::TestEnvironment();
  auto compiled = Expression::Compile(text, env, Expect::kAny, nullptr);
  EXPECT_TRUE(compiled.ok()) << text << ": " << compiled.status();
  if (!compiled.ok()) return -1;
  absl::StatusOr<ConstantValue> value = (*compiled)->Evaluate(request);
  EXPECT_TRUE(value.ok()) << text << ": " << value.status();
  return value.ok() ? value->int_value : -1;
}

TEST(OrderLineHelpersTest, HelpersPriceTheLinesAskedFor) {
  v1::RefundRequest request = MugsAndPlates();
  Ask("MUG", 3, &request);
  Ask("PLATE", 1, &request);
  EXPECT_EQ(Evaluate("requested_lines_paid()", request), 11700 + 5900);
  EXPECT_EQ(Evaluate("missing_value()", request), 3900);
  EXPECT_EQ(Evaluate("returned_value()", request), 7800 + 5900);
  EXPECT_EQ(Evaluate("line_paid(\"PLATE\")", request), 11800);
  EXPECT_EQ(Evaluate("line_paid(\"NONE\")", request), 0);
  EXPECT_EQ(Evaluate("size(request.refund_items)", request), 2);
  EXPECT_EQ(Evaluate("request.refund_items.exists(l, l.sku == \"PLATE\" && "
                     "l.quantity == 1) ? 1 : 0",
                     request),
            1);
}

TEST(OrderLineHelpersTest, MissingHelpersStopGuessingWhenLinesAreNamed) {
  v1::RefundRequest request = MugsAndPlates();
  // The whole order: the kept plate counts as missing (the old guess).
  EXPECT_EQ(Evaluate("missing_item_count()", request), 2);
  EXPECT_EQ(Evaluate("missing_item_value()", request), 3900 + 5900);
  Ask("MUG", 3, &request);
  Ask("PLATE", 1, &request);
  EXPECT_EQ(Evaluate("missing_item_count()", request), 1);
  EXPECT_EQ(Evaluate("missing_item_value()", request), 3900);
}

TEST(OrderLineHelpersTest, ExemptItemsCountOnlyAmongTheLinesAskedFor) {
  v1::RefundRequest request = MugsAndPlates();
  request.mutable_order()->mutable_items(1)->set_no_reason_return_exempt(true);
  EXPECT_EQ(Evaluate("asks_for_exempt_items() ? 1 : 0", request), 1);
  Ask("MUG", 1, &request);
  EXPECT_EQ(Evaluate("asks_for_exempt_items() ? 1 : 0", request), 0);
  Ask("PLATE", 1, &request);
  EXPECT_EQ(Evaluate("asks_for_exempt_items() ? 1 : 0", request), 1);
}

TEST(OrderLineHelpersTest, LinesAreTypeChecked) {
  const Environment env = testing::TestEnvironment();
  for (const char* bad :
       {"line_paid(3) > fen(0)", "returned_value() > 3",
        "request.refund_items.exists(l, l.quantity == \"1\")",
        "request.refund_items.exists(l, l.colour == \"red\")",
        "request.refund_items.exists(l, LINE_CLAIM_DAMAGED in l.sku)"}) {
    EXPECT_FALSE(Expression::Compile(bad, env, Expect::kAny, nullptr).ok())
        << bad;
  }
  EXPECT_TRUE(Expression::Compile(
                  "request.refund_items.exists(l, LINE_CLAIM_DAMAGED in "
                  "l.claims)",
                  env, Expect::kBool, nullptr)
                  .ok());
}

}  // namespace
}  // namespace refund::expr

// The static cost estimate (engine/expr/cost_estimate.h): its numbers for
// simple expressions, loops whose nesting multiplies, literal lists, string
// comparisons and helpers; and that what the evaluator charges its budget on
// a request within the bounds never exceeds the estimate.
#include "engine/expr/cost_estimate.h"

#include <cstdint>
#include <memory>
#include <string>

#include "engine/expr/expression.h"
#include "engine/expr/functions.h"
#include "gtest/gtest.h"
#include "tests/testing/expr_test_util.h"

namespace refund::expr {
namespace {

// The validator's limits (engine/decide/request_validator.h), written out
// so the numbers below can be worked by hand.
CostBounds Bounds() {
  CostBounds bounds;
  const auto* order = v1::Order::descriptor();
  const auto* inspection = v1::Inspection::descriptor();
  const auto* request = v1::RefundRequest::descriptor();
  bounds.list_sizes = {
      {order->FindFieldByName("items"), 500},
      {inspection->FindFieldByName("received_items"), 500},
      {inspection->FindFieldByName("resale_defects"), 32},
      {request->FindFieldByName("evidence"), 64},
  };
  bounds.string_bytes = {
      {request->FindFieldByName("shop_id"), 128},
      {order->FindFieldByName("order_id"), 128},
  };
  bounds.max_string_bytes = 1024;
  bounds.helper_lists = {500, 500, 64};
  return bounds;
}

std::shared_ptr<const Expression> Compile(const std::string& text) {
  static const Environment* env = new Environment(testing::TestEnvironment());
  auto compiled = Expression::Compile(text, *env, Expect::kAny, nullptr);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  return compiled.ok() ? *compiled : nullptr;
}

int64_t Estimate(const std::string& text) {
  auto expression = Compile(text);
  if (expression == nullptr) return -1;
  const CostBounds bounds = Bounds();
  return CostEstimator(bounds).Estimate(expression->program().root());
}

// Each line: the cost of every node, as cost_estimate.h counts it.
TEST(CostEstimateTest, ComparisonOfAFieldCostsItsNodes) {
  // > (1) + request (1) + two fields on the path (2) + 3 (1).
  EXPECT_EQ(Estimate("request.buyer.orders_90d > 3"), 5);
}

TEST(CostEstimateTest, LoopCostsItsListBoundTimesItsBody) {
  // exists (1) + range (3) + 500 * (iteration 1 + i.is_gift 2).
  EXPECT_EQ(Estimate("request.order.items.exists(i, i.is_gift)"), 1504);
  // 64 pieces of evidence (a path of one field), 32 defects.
  EXPECT_EQ(Estimate("request.evidence.all(e, e != EVIDENCE_KIND_CHAT_RECORD)"),
            3 + 64 * (1 + 3));
  EXPECT_EQ(Estimate("request.inspection.resale_defects.exists(d, d == "
                     "RESALE_DEFECT_TAGS_REMOVED)"),
            4 + 32 * (1 + 3));
}

TEST(CostEstimateTest, NestingMultiplies) {
  const int64_t depth1 = Estimate("request.order.items.exists(a, a.is_gift)");
  const int64_t depth2 = Estimate(
      "request.order.items.exists(a, request.order.items.exists(b, "
      "b.is_gift))");
  const int64_t depth3 = Estimate(
      "request.order.items.exists(a, request.order.items.exists(b, "
      "request.order.items.exists(c, c.is_gift)))");
  EXPECT_EQ(depth2, 4 + 500 * (1 + depth1));
  EXPECT_EQ(depth2, 752504);
  EXPECT_EQ(depth3, 4 + 500 * (1 + depth2));
  EXPECT_EQ(depth3, 376252504);
}

TEST(CostEstimateTest, InALiteralListCostsPerElement) {
  // in (1) + needle (3) + list (1) + 3 * (element 1 + comparison 1).
  EXPECT_EQ(Estimate("request.buyer.orders_90d in [1, 2, 3]"), 11);
  std::string big = "request.buyer.orders_90d in [0";
  for (int i = 1; i < 200; ++i) big += ", " + std::to_string(i);
  big += "]";
  EXPECT_EQ(Estimate(big), 5 + 200 * 2);
  // Over a literal, a loop's iterations also evaluate the element.
  EXPECT_EQ(Estimate("[1, 2, 3].exists(x, x > request.buyer.orders_90d)"),
            2 + 3 * (1 + 1 + 5));
}

TEST(CostEstimateTest, StringsCostByTheirLongestBound) {
  // Per element: 1 + the literal + memcmp of at most 2 bytes (1 step).
  EXPECT_EQ(Estimate("request.shop_id in [\"a\", \"bb\"]"), 4 + 2 * 3);
  // Two ids of at most 128 bytes: 2 steps of 64 bytes.
  EXPECT_EQ(Estimate("request.shop_id == request.order.order_id"),
            1 + 2 + 3 + 2);
  // size() counts code points: 128 bytes at 8 a step.
  EXPECT_EQ(Estimate("size(request.order.order_id) > 3"), 1 + (1 + 3 + 16) + 1);
  // A title is text: 1024 bytes.
  EXPECT_EQ(Estimate("request.order.items.exists(i, size(i.title) > 0)"),
            4 + 500 * (1 + 1 + (1 + 2 + 128) + 1));
}

TEST(CostEstimateTest, HelperLoopsFollowTheRequestLimits) {
  const HelperListSizes most{500, 500, 64};
  EXPECT_EQ(HelperLoopSteps(HelperLoops::kNone, most), 0);
  EXPECT_EQ(HelperLoopSteps(HelperLoops::kItems, most), 500);
  EXPECT_EQ(HelperLoopSteps(HelperLoops::kEvidence, most), 64);
  EXPECT_EQ(HelperLoopSteps(HelperLoops::kReceivedTimesItems, most),
            500 + 500 * 500);
  EXPECT_EQ(HelperLoopSteps(HelperLoops::kMissingUnits, most),
            500 + 500 * 500 + 500 * 499 / 2);
  EXPECT_EQ(HelperLoopSteps(HelperLoops::kMissingUnits, {0, 7, 0}), 0);
}

TEST(CostEstimateTest, ArgumentLessHelperLoopsCountOnce) {
  const int64_t missing = 500 + 500 * 500 + 500 * 499 / 2;
  EXPECT_EQ(Estimate("missing_item_value() > fen(0)"), 3 + missing);
  // The frame keeps the first call's result: the second costs one step.
  EXPECT_EQ(Estimate("missing_item_value() > fen(0) && "
                     "missing_item_value() < fen(100)"),
            7 + missing);
  // Also inside a loop, and across the expressions of one estimator.
  EXPECT_EQ(Estimate("request.order.items.exists(i, i.quantity > "
                     "missing_item_count())"),
            4 + 500 * (1 + 4) + missing);
  const CostBounds bounds = Bounds();
  CostEstimator bundle(bounds);
  auto first = Compile("missing_item_value() > fen(0)");
  auto second = Compile("missing_item_value() < fen(100)");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(bundle.Estimate(first->program().root()), 3 + missing);
  EXPECT_EQ(bundle.Estimate(second->program().root()), 3);
}

TEST(CostEstimateTest, HelperWithArgumentsCountsAtEveryCall) {
  // has_evidence walks the 64 pieces of evidence on each call.
  EXPECT_EQ(Estimate("request.order.items.exists(i, "
                     "has_evidence(EVIDENCE_KIND_PRODUCT_PHOTOS))"),
            4 + 500 * (1 + 2 + 64));
}

TEST(CostEstimateTest, FrameKeepsEveryArgumentLessHelper) {
  int argument_less = 0;
  for (const HelperSpec& spec : AllHelpers()) {
    for (const HelperOverload& overload : spec.overloads) {
      if (overload.params.empty()) {
        ++argument_less;
        break;
      }
    }
  }
  EXPECT_LE(argument_less, Frame::kMaxHelperResults);
}

TEST(CostEstimateTest, FormatsStepsForPeople) {
  EXPECT_EQ(FormatSteps(4200), "4200");
  EXPECT_EQ(FormatSteps(999999), "999999");
  EXPECT_EQ(FormatSteps(1000000), "1e6");
  EXPECT_EQ(FormatSteps(50000000), "5e7");
  EXPECT_EQ(FormatSteps(13000000000), "1.3e10");
  EXPECT_EQ(FormatSteps(376252504), "3.8e8");
  EXPECT_EQ(FormatSteps(9960000), "1e7");
  EXPECT_EQ(FormatSteps(kUnboundedCost), "more than 9.2e18");
}

// A request with every list at its largest: 500 line items (none a gift, so
// nothing ends a loop early), 500 received items, 64 pieces of evidence.
v1::RefundRequest LargestRequest() {
  v1::RefundRequest r = testing::FullRequest();
  r.mutable_order()->clear_items();
  r.mutable_inspection()->clear_received_items();
  r.mutable_inspection()->set_inspected(true);
  r.clear_evidence();
  for (int i = 0; i < 500; ++i) {
    v1::LineItem* item = r.mutable_order()->add_items();
    item->set_sku("sku-" + std::to_string(i));
    item->set_quantity(1);
    v1::ReceivedItem* received = r.mutable_inspection()->add_received_items();
    received->set_sku("other-" + std::to_string(i));
    received->set_quantity(1);
  }
  for (int i = 0; i < 64; ++i) r.add_evidence(v1::EVIDENCE_KIND_PRODUCT_PHOTOS);
  return r;
}

int64_t StepsCharged(const Expression& expression,
                     const v1::RefundRequest& request) {
  Frame frame;
  const Program& program = expression.program();
  EXPECT_TRUE(program.InitFrame(&request, &frame).ok());
  Value out;
  EXPECT_TRUE(Eval(program.root(), frame, &out)) << frame.error;
  return frame.step_budget - frame.steps_left;
}

TEST(CostEstimateTest, StepsChargedNeverExceedTheEstimate) {
  const v1::RefundRequest request = LargestRequest();
  for (const char* text : {
           "request.order.items.exists(a, request.order.items.exists(b, "
           "b.is_gift))",
           "request.order.items.exists(i, i.is_gift && "
           "!request.inspection.received_items.exists(r, r.sku == i.sku))",
           "request.order.items.all(i, "
           "has_evidence(EVIDENCE_KIND_CHAT_RECORD))",
           "request.order.items.exists(i, i.quantity in [5, 6, 7])",
           "missing_item_value() > fen(0) && has_unexpected_items() && "
           "unreturned_gift_value() > fen(0) && missing_item_count() > 0",
           "has_gifts() || request.buyer.orders_90d in [1, 2, 3]",
       }) {
    SCOPED_TRACE(text);
    auto expression = Compile(text);
    ASSERT_NE(expression, nullptr);
    const int64_t charged = StepsCharged(*expression, request);
    EXPECT_GT(charged, 0);
    EXPECT_LE(charged, Estimate(text));
  }
}

TEST(CostEstimateTest, LoopChargesEachIterationItsBodyWithoutInnerLoops) {
  // Outer: 500 iterations of 1 + (inner exists 1 + its range 3); inner:
  // 500 * 500 iterations of 1 + b.is_gift (2). The estimate adds the
  // top-level nodes the evaluator does not count (4).
  auto expression = Compile(
      "request.order.items.exists(a, request.order.items.exists(b, "
      "b.is_gift))");
  ASSERT_NE(expression, nullptr);
  EXPECT_EQ(StepsCharged(*expression, LargestRequest()),
            500 * 5 + 500 * 500 * 3);
}

}  // namespace
}  // namespace refund::expr

// The evaluator's step budget (Frame::Charge, program.h): an evaluation that
// goes over it stops with RESOURCE_EXHAUSTED naming the sub-expression, and
// neither &&, || nor exists()/all() absorb that error the way they absorb
// others.
#include <cstdint>
#include <memory>
#include <string>

#include "engine/expr/expression.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expr_test_util.h"

namespace refund::expr {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const Expression> Compile(const std::string& text) {
  static const Environment* env = new Environment(testing::TestEnvironment());
  auto compiled = Expression::Compile(text, *env, Expect::kBool, nullptr);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  return compiled.ok() ? *compiled : nullptr;
}

// FullRequest with `items` line items, none a gift.
v1::RefundRequest RequestWithItems(int items) {
  v1::RefundRequest r = testing::FullRequest();
  r.mutable_order()->clear_items();
  for (int i = 0; i < items; ++i) {
    v1::LineItem* item = r.mutable_order()->add_items();
    item->set_sku("sku-" + std::to_string(i));
    item->set_quantity(1);
  }
  return r;
}

// Evaluates `text` on `request` with `budget` steps; the error, or OK.
absl::Status EvaluateWithin(const std::string& text,
                            const v1::RefundRequest& request, int64_t budget,
                            bool* result = nullptr) {
  auto expression = Compile(text);
  if (expression == nullptr) return absl::InternalError("does not compile");
  Frame frame;
  const Program& program = expression->program();
  if (absl::Status init = program.InitFrame(&request, &frame); !init.ok()) {
    return init;
  }
  frame.ResetSteps(budget);
  Value out;
  if (!Eval(program.root(), frame, &out)) return frame.error;
  if (result != nullptr) *result = out.b;
  return absl::OkStatus();
}

constexpr char kNested[] =
    "request.order.items.exists(a, request.order.items.exists(b, "
    "b.is_gift))";

TEST(StepBudgetTest, NestedLoopOverTheBudgetStops) {
  // 40 * (1 + 4) + 40 * 40 * 3 = 5,000 steps.
  const v1::RefundRequest request = RequestWithItems(40);
  bool matched = true;
  EXPECT_TRUE(EvaluateWithin(kNested, request, 5000, &matched).ok());
  EXPECT_FALSE(matched);
  const absl::Status over = EvaluateWithin(kNested, request, 4999);
  EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over.message(),
              HasSubstr("evaluation budget of 4999 steps exceeded in "
                        "`request.order.items.exists(b, b.is_gift)`"));
}

TEST(StepBudgetTest, LogicDoesNotAbsorbABudgetError) {
  const v1::RefundRequest request = RequestWithItems(40);
  // An ordinary error is absorbed by a deciding operand ...
  bool matched = false;
  ASSERT_TRUE(EvaluateWithin("1 / (request.buyer.orders_90d - "
                             "request.buyer.orders_90d) > 0 || true",
                             request, 1000, &matched)
                  .ok());
  EXPECT_TRUE(matched);
  // ... a spent budget is not, whichever side it is on.
  for (const std::string& text :
       {std::string(kNested) + " || true", std::string(kNested) + " && false",
        "request.order.items.exists(c, " + std::string(kNested) + ")"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(EvaluateWithin(text, request, 1000).code(),
              absl::StatusCode::kResourceExhausted);
  }
}

TEST(StepBudgetTest, InChargesEveryElementCompared) {
  const v1::RefundRequest request = RequestWithItems(1);
  // FullRequest leaves orders_90d at 0: 1000 is not in the list, so all three
  // elements are compared, 2 steps each (the element and the comparison).
  const std::string text = "request.buyer.orders_90d + 1000 in [1, 2, 3]";
  EXPECT_TRUE(EvaluateWithin(text, request, 6).ok());
  EXPECT_EQ(EvaluateWithin(text, request, 5).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(StepBudgetTest, HelperLoopsAreCharged) {
  v1::RefundRequest request = RequestWithItems(100);
  request.mutable_inspection()->set_inspected(true);
  // missing_item_count() walks, for each of the 100 lines, the received
  // items and the lines before it.
  const int64_t loops =
      100 + 100 * request.inspection().received_items_size() + 100 * 99 / 2;
  EXPECT_TRUE(EvaluateWithin("missing_item_count() > 0", request, loops).ok());
  const absl::Status over =
      EvaluateWithin("missing_item_count() > 0", request, loops - 1);
  EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over.message(), HasSubstr("in `missing_item_count()`"));
}

}  // namespace
}  // namespace refund::expr

#include <ostream>
#include <string>
#include <vector>

#include "engine/expr/expression.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expr_test_util.h"

namespace refund::expr {
namespace {

// "  text = value" lines, indented by depth.
std::string Render(const Expression& e, const v1::RefundRequest& request) {
  std::string out;
  for (const Expression::TraceStep& step : e.Trace(request)) {
    out += std::string(step.depth * 2, ' ') +
           e.text().substr(step.begin, step.end - step.begin) + " = " +
           step.value + "\n";
  }
  return out;
}

struct TraceCase {
  std::string name;
  std::string text;
  bool delivered;
  std::string golden;

  friend void PrintTo(const TraceCase& c, std::ostream* os) { *os << c.name; }
};

class TraceTest : public ::testing::TestWithParam<TraceCase> {};

TEST_P(TraceTest, ListsEverySubExpressionPreOrder) {
  const TraceCase& c = GetParam();
  const Environment env = testing::TestEnvironment();
  auto compiled = Expression::Compile(c.text, env, Expect::kAny, nullptr);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  v1::RefundRequest request = testing::FullRequest();
  if (!c.delivered) request.mutable_order()->clear_delivered_at();
  const std::string actual = Render(**compiled, request);
  EXPECT_EQ(actual, c.golden) << "actual trace:\n" << actual;
}

INSTANTIATE_TEST_SUITE_P(
    Golden, TraceTest,
    ::testing::ValuesIn(std::vector<TraceCase>{
        {"ConjunctionWithFoldedConstant",
         "request.reason == REASON_NO_REASON && request.order.paid_amount > "
         "yuan(5)",
         true,
         "request.reason == REASON_NO_REASON && request.order.paid_amount > "
         "yuan(5) = true\n"
         "  request.reason == REASON_NO_REASON = true\n"
         "    request.reason = REASON_NO_REASON\n"
         "    REASON_NO_REASON = REASON_NO_REASON\n"
         "  request.order.paid_amount > yuan(5) = true\n"
         "    request.order.paid_amount = ¥129.50\n"
         "    yuan(5) = ¥5.00\n"},
        {"TimesAndDurations", "request.requested_at - applied_at() >= days(4)",
         true,
         "request.requested_at - applied_at() >= days(4) = true\n"
         "  request.requested_at - applied_at() = 99h\n"
         "    request.requested_at = 2026-05-08T12:00:00+08:00\n"
         "    applied_at() = 2026-05-04T09:00:00+08:00\n"
         "  days(4) = 96h\n"},
        {"ErrorsAndShortCircuit", "is_delivered() || days_since_signing() > 3",
         false,
         "is_delivered() || days_since_signing() > 3 = error: order not "
         "delivered "
         "(request.order.delivered_at is unset) in `days_since_signing()`\n"
         "  is_delivered() = false\n"
         "  days_since_signing() > 3 = error: order not delivered "
         "(request.order.delivered_at is unset) in `days_since_signing()`\n"
         "    days_since_signing() = error: order not delivered "
         "(request.order.delivered_at is unset) in `days_since_signing()`\n"
         "    3 = 3\n"},
        {"ListsAndComprehensions",
         "request.platform in [PLATFORM_TAOBAO, PLATFORM_TMALL] && "
         "request.order.items.exists(i, i.is_gift)",
         true,
         "request.platform in [PLATFORM_TAOBAO, PLATFORM_TMALL] && "
         "request.order.items.exists(i, i.is_gift) = true\n"
         "  request.platform in [PLATFORM_TAOBAO, PLATFORM_TMALL] = true\n"
         "    request.platform = PLATFORM_TAOBAO\n"
         "    [PLATFORM_TAOBAO, PLATFORM_TMALL] = [PLATFORM_TAOBAO, "
         "PLATFORM_TMALL]\n"
         "      PLATFORM_TAOBAO = PLATFORM_TAOBAO\n"
         "      PLATFORM_TMALL = PLATFORM_TMALL\n"
         "  request.order.items.exists(i, i.is_gift) = true\n"
         "    request.order.items = [refund.v1.LineItem{sku: \"SHOE-42\" "
         "quantity: 2 "
         "unit_price { minor_units: 5000 }}, refund.v1.LineItem{sku: "
         "\"GIFT-SOCKS\" "
         "quantity: 1 is_gift: true gift_value { minor_units: 1500 }}]\n"},
        {"StringsAndParentheses",
         "(request.shop_id == 'shop-1') && size(request.shop_id) == 6 && "
         "size(shop_name) == 2",
         true,
         "(request.shop_id == 'shop-1') && size(request.shop_id) == 6 && "
         "size(shop_name) == 2 = true\n"
         "  (request.shop_id == 'shop-1') = true\n"
         "    request.shop_id = \"shop-1\"\n"
         "    'shop-1' = \"shop-1\"\n"
         "  size(request.shop_id) == 6 = true\n"
         "    size(request.shop_id) = 6\n"
         "      request.shop_id = \"shop-1\"\n"
         "    6 = 6\n"
         "  size(shop_name) == 2 = true\n"},
    }),
    [](const ::testing::TestParamInfo<TraceCase>& info) {
      return info.param.name;
    });

TEST(TraceTest, WrongRootTypeIsOneErrorStep) {
  const Environment env = testing::TestEnvironment();
  auto compiled =
      Expression::Compile("request.flags.urgent", env, Expect::kBool, nullptr);
  ASSERT_TRUE(compiled.ok());
  v1::Order order;
  std::vector<Expression::TraceStep> steps = (*compiled)->Trace(order);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_THAT(steps[0].value, ::testing::HasSubstr("error: "));
}

}  // namespace
}  // namespace refund::expr

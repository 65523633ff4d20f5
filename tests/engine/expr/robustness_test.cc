// Malformed and unusual input must give issues or errors, never a crash, a
// hang or undefined behaviour (run under -fsanitize=address,undefined).
#include <random>
#include <string>
#include <vector>

#include "engine/expr/expression.h"
#include "engine/lint/conjunction.h"
#include "gmock/gmock.h"
#include "google/protobuf/dynamic_message.h"
#include "gtest/gtest.h"
#include "tests/testing/expr_test_util.h"
#include "tests/testing/status_matchers.h"

namespace refund::expr {
namespace {

using ::refund::testing::StatusIs;
using ::testing::_;

const std::vector<std::string>& Corpus() {
  static const auto* corpus = new std::vector<std::string>{
      "request.reason == REASON_NO_REASON && is_delivered() && "
      "within_days_of_signing(7)",
      "request.requested_amount - missing_item_value() - "
      "unreturned_gift_value()",
      "min(request.requested_amount, small_compensation_cap)",
      "request.platform in [PLATFORM_TAOBAO, PLATFORM_TMALL] || "
      "!request.flags.urgent",
      "request.order.items.exists(i, i.is_gift && i.gift_value > fen(0))",
      "request.order.items.all(i, request.inspection.received_items.exists(r, "
      "r.sku == i.sku && r.quantity >= i.quantity))",
      "has(request.return_shipment.received_at) ? time_until_deadline() < "
      "hours(24) : false",
      "size(request.evidence) > 2 && EVIDENCE_KIND_CHAT_RECORD in "
      "request.evidence",
      "(request.buyer.refunds_90d * 100) / (request.buyer.orders_90d + 1) > 30",
      "applied_at() - request.order.delivered_at <= days(7) + grace",
      "request.shop_id == 'shop-1' && shop_name != \"\\\\\"",
      "-9223372036854775808 < request.buyer.refunds_90d % -1",
      "days_since_signing() >= max_refunds",
  };
  return *corpus;
}

void Exercise(const std::string& text, const Environment& env,
              const std::vector<v1::RefundRequest>& requests) {
  std::vector<ExprIssue> issues;
  auto compiled = Expression::Compile(text, env, Expect::kAny, &issues);
  if (!compiled.ok()) {
    EXPECT_FALSE(issues.empty()) << text;
    for (const ExprIssue& issue : issues) {
      EXPECT_GE(issue.offset, 0) << text;
      EXPECT_LE(issue.offset, static_cast<int>(text.size())) << text;
      EXPECT_FALSE(issue.message.empty());
    }
    return;
  }
  EXPECT_TRUE(issues.empty());
  const Expression& e = **compiled;
  for (const v1::RefundRequest& request : requests) {
    absl::StatusOr<ConstantValue> value = e.Evaluate(request);
    if (!value.ok()) {
      EXPECT_FALSE(value.status().message().empty()) << text;
    }
    for (const Expression::TraceStep& step : e.Trace(request)) {
      EXPECT_LE(0, step.begin);
      EXPECT_LE(step.begin, step.end);
      EXPECT_LE(step.end, static_cast<int>(text.size()));
    }
  }
  if (!e.reads_root()) (void)e.EvaluateConstant();
  if (e.result_kind() == ValueKind::kBool) {
    if (std::optional<Conjunction> c = AsConjunction(e)) {
      (void)IsUnsatisfiable(*c);
      (void)Implies(*c, *c);
    }
  }
}

TEST(RobustnessTest, EveryPrefixOfValidExpressions) {
  const Environment env = testing::TestEnvironment();
  const std::vector<v1::RefundRequest> requests = {testing::FullRequest(),
                                                   v1::RefundRequest()};
  for (const std::string& text : Corpus()) {
    Exercise(text, env, requests);
    for (size_t n = 0; n < text.size(); ++n) {
      Exercise(text.substr(0, n), env, requests);
    }
  }
}

TEST(RobustnessTest, RandomMutations) {
  const Environment env = testing::TestEnvironment();
  const std::vector<v1::RefundRequest> requests = {testing::FullRequest(),
                                                   v1::RefundRequest()};
  const std::string alphabet =
      "()[].,!?:&|=<>+-*/%'\"\\ _0123456789aeinrsxyz\n\x80\xe5\xff";
  std::mt19937 rng(20260501);
  for (const std::string& original : Corpus()) {
    for (int round = 0; round < 150; ++round) {
      std::string text = original;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < edits && !text.empty(); ++k) {
        const size_t at = rng() % text.size();
        const char c = alphabet[rng() % alphabet.size()];
        switch (rng() % 3) {
          case 0:
            text[at] = c;
            break;
          case 1:
            text.insert(text.begin() + at, c);
            break;
          default:
            text.erase(at, 1 + rng() % 4);
            break;
        }
      }
      Exercise(text, env, requests);
    }
  }
}

TEST(RobustnessTest, ExtremeValuesInTheRequest) {
  const Environment env = testing::TestEnvironment();
  v1::RefundRequest request = testing::FullRequest();
  request.mutable_requested_amount()->set_minor_units(INT64_MAX);
  request.mutable_order()->mutable_items(0)->set_quantity(INT64_MAX);
  request.mutable_order()
      ->mutable_items(0)
      ->mutable_unit_price()
      ->set_minor_units(INT64_MAX);
  request.mutable_order()->mutable_items(1)->set_quantity(INT64_MIN);
  request.mutable_inspection()->mutable_received_items(0)->set_quantity(
      INT64_MIN);
  request.mutable_order()->mutable_delivered_at()->set_seconds(
      253402300799);                                        // 9999-12-31
  request.mutable_applied_at()->set_seconds(-62135596800);  // 0001-01-01
  request.mutable_buyer()->set_refunds_90d(INT64_MIN);
  for (const std::string& text : Corpus()) Exercise(text, env, {request});
  auto value =
      Expression::Compile("missing_item_value()", env, Expect::kMoney, nullptr);
  ASSERT_TRUE(value.ok());
  EXPECT_THAT((*value)->EvaluateMoney(request),
              StatusIs(absl::StatusCode::kOutOfRange, _));
  auto days = Expression::Compile("request.requested_amount + fen(1)", env,
                                  Expect::kMoney, nullptr);
  ASSERT_TRUE(days.ok());
  EXPECT_THAT(std::string((*days)->EvaluateMoney(request).status().message()),
              ::testing::HasSubstr("integer overflow"));
}

TEST(RobustnessTest, DynamicMessagesReadFieldsButNotHelpers) {
  const Environment env = testing::TestEnvironment();
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> dynamic(
      factory.GetPrototype(v1::RefundRequest::descriptor())->New());
  ASSERT_TRUE(
      dynamic->ParseFromString(testing::FullRequest().SerializeAsString()));
  auto field = Expression::Compile(
      "request.flags.urgent && request.requested_amount > yuan(1)", env,
      Expect::kBool, nullptr);
  ASSERT_TRUE(field.ok());
  EXPECT_EQ((*field)->EvaluateBool(*dynamic).value_or(false), true);
  auto helper =
      Expression::Compile("is_delivered()", env, Expect::kBool, nullptr);
  ASSERT_TRUE(helper.ok());
  EXPECT_THAT((*helper)->EvaluateBool(*dynamic),
              StatusIs(absl::StatusCode::kFailedPrecondition, _));
}

}  // namespace
}  // namespace refund::expr

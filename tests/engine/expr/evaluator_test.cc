// Evaluation of every operator, `in`, exists/all, has, size, constants and
// helpers, including errors and CEL's short-circuiting around them.
#include <ostream>
#include <string>
#include <vector>

#include "engine/expr/expression.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expr_test_util.h"

namespace refund::expr {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

enum class Setup {
  kFull,           // testing::FullRequest()
  kEmpty,          // a default RefundRequest
  kNotDelivered,   // FullRequest without order.delivered_at
  kNoDeadline,     // FullRequest without after_sale_deadline
  kNotInspected,   // FullRequest with inspection.inspected = false
  kUnexpectedItem  // FullRequest with a received SKU not in the order
};

v1::RefundRequest Build(Setup setup) {
  v1::RefundRequest r = testing::FullRequest();
  switch (setup) {
    case Setup::kFull:
      break;
    case Setup::kEmpty:
      r.Clear();
      break;
    case Setup::kNotDelivered:
      r.mutable_order()->clear_delivered_at();
      break;
    case Setup::kNoDeadline:
      r.clear_after_sale_deadline();
      break;
    case Setup::kNotInspected:
      r.mutable_inspection()->set_inspected(false);
      break;
    case Setup::kUnexpectedItem: {
      v1::ReceivedItem* other = r.mutable_inspection()->add_received_items();
      other->set_sku("BOOT-43");
      other->set_quantity(1);
      break;
    }
  }
  return r;
}

struct EvalCase {
  std::string name;
  std::string text;
  // testing::Show() of the value, or "error: <start of the message>".
  std::string expected;
  Setup setup = Setup::kFull;

  friend void PrintTo(const EvalCase& c, std::ostream* os) { *os << c.name; }
};

class EvaluateTest : public ::testing::TestWithParam<EvalCase> {};

TEST_P(EvaluateTest, ComputesTheValue) {
  const EvalCase& c = GetParam();
  const Environment env = testing::TestEnvironment();
  std::vector<ExprIssue> issues;
  auto compiled = Expression::Compile(c.text, env, Expect::kAny, &issues);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  const v1::RefundRequest request = Build(c.setup);
  absl::StatusOr<ConstantValue> value = (*compiled)->Evaluate(request);
  const std::string kError = "error: ";
  if (c.expected.rfind(kError, 0) == 0) {
    ASSERT_FALSE(value.ok()) << testing::Show(*value);
    EXPECT_THAT(std::string(value.status().message()),
                StartsWith(c.expected.substr(kError.size())));
    return;
  }
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(testing::Show(*value), c.expected);
  if (value->kind == ValueKind::kBool) {
    absl::StatusOr<bool> b = (*compiled)->EvaluateBool(request);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(*b, value->bool_value);
  }
  if (value->kind == ValueKind::kMoney) {
    absl::StatusOr<int64_t> m = (*compiled)->EvaluateMoney(request);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(*m, value->int_value);
  }
}

std::string NameOf(const ::testing::TestParamInfo<EvalCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(
    Arithmetic, EvaluateTest,
    ::testing::ValuesIn(std::vector<EvalCase>{
        {"Precedence", "request.buyer.refunds_90d + 2 * 3", "8"},
        {"Subtraction", "request.buyer.refunds_90d - 5", "-3"},
        {"DivisionTruncatesTowardZero", "-7 / request.buyer.refunds_90d", "-3"},
        {"Modulo", "7 % request.buyer.refunds_90d", "1"},
        {"NegativeModulo", "-7 % request.buyer.refunds_90d", "-1"},
        {"UnaryMinus", "-request.buyer.refunds_90d", "-2"},
        {"Int64MinLiteral", "-9223372036854775808 + request.buyer.refunds_90d",
         "-9223372036854775806"},
        {"AdditionOverflow", "request.buyer.refunds_90d + 9223372036854775807",
         "error: integer overflow in `request.buyer.refunds_90d + "
         "9223372036854775807`"},
        {"SubtractionOverflow",
         "-9223372036854775807 - request.buyer.refunds_90d",
         "error: integer overflow in `-9223372036854775807 - "
         "request.buyer.refunds_90d`"},
        {"MultiplicationOverflow",
         "request.buyer.refunds_90d * 4611686018427387904",
         "error: integer overflow"},
        {"NegationOverflow",
         "-(request.buyer.orders_90d - 9223372036854775807 - 1)",
         "error: integer overflow in `-(request.buyer.orders_90d - "
         "9223372036854775807 - 1)`"},
        {"DivisionOverflow",
         "(request.buyer.orders_90d - 9223372036854775807 - 1) / -1",
         "error: integer overflow"},
        {"ModuloOfInt64MinByMinusOne",
         "(request.buyer.orders_90d - 9223372036854775807 - 1) % -1", "0"},
        {"DivisionByZero",
         "request.buyer.refunds_90d / request.buyer.orders_90d",
         "error: division by zero in `request.buyer.refunds_90d / "
         "request.buyer.orders_90d`"},
        {"ModuloByZero", "request.buyer.refunds_90d % request.buyer.orders_90d",
         "error: modulo by zero"},
        {"InnermostFailureNamed",
         "(request.buyer.refunds_90d / request.buyer.orders_90d) + 1",
         "error: division by zero in `(request.buyer.refunds_90d / "
         "request.buyer.orders_90d)`"},
        {"MoneyMinusMoney",
         "request.requested_amount - unreturned_gift_value()", "¥114.50"},
        {"MoneyPlusMoney", "request.requested_amount + fen(50)", "¥130.00"},
        {"MoneyTimesInt", "request.order.paid_amount * 2", "¥259.00"},
        {"IntTimesMoney", "request.buyer.refunds_90d * fen(3)", "¥0.06"},
        {"MoneyDividedByInt", "request.order.paid_amount / 3", "¥43.16"},
        {"MoneyNegated", "-request.requested_amount", "-¥129.50"},
        {"MoneyOverflow", "request.requested_amount * 922337203685477580",
         "error: integer overflow"},
        {"MinMoney", "min(request.requested_amount, small_compensation_cap)",
         "¥5.00"},
        {"MaxMoney", "max(request.requested_amount, small_compensation_cap)",
         "¥129.50"},
        {"MinInt", "min(request.buyer.refunds_90d, max_refunds)", "2"},
        {"MaxInt", "max(request.buyer.refunds_90d, max_refunds)", "3"},
        {"YuanOfField", "yuan(request.buyer.refunds_90d)", "¥2.00"},
        {"YuanOverflow",
         "yuan(request.buyer.refunds_90d * 4611686018427387903)",
         "error: integer overflow in `yuan(request.buyer.refunds_90d * "
         "4611686018427387903)`"},
        {"TimestampMinusTimestamp", "request.requested_at - request.applied_at",
         "99h"},
        {"TimestampPlusDuration", "request.applied_at + days(1)",
         "2026-05-05T09:00:00+08:00"},
        {"DurationPlusTimestamp", "hours(1) + request.applied_at",
         "2026-05-04T10:00:00+08:00"},
        {"TimestampMinusDuration", "request.applied_at - hours(9)",
         "2026-05-04T00:00:00+08:00"},
        {"DurationArithmetic", "days(1) + hours(2) - minutes(30) + grace",
         "27h30m"},
        {"DurationNegated", "-(request.requested_at - request.applied_at)",
         "-99h"},
        {"DurationOfField", "hours(request.buyer.refunds_90d)", "2h"},
        {"DurationOverflow",
         "days(request.buyer.refunds_90d * 4611686018427387903)",
         "error: integer overflow"},
    }),
    NameOf);

INSTANTIATE_TEST_SUITE_P(
    Comparisons, EvaluateTest,
    ::testing::ValuesIn(std::vector<EvalCase>{
        {"MoneyEqual", "request.requested_amount == request.order.paid_amount",
         "true"},
        {"MoneyNotEqual", "request.requested_amount != yuan(129)", "true"},
        {"MoneyLess", "request.requested_amount < yuan(130)", "true"},
        {"MoneyLessEqual", "request.requested_amount <= fen(12950)", "true"},
        {"MoneyGreater", "request.requested_amount > fen(12950)", "false"},
        {"MoneyGreaterEqual", "request.requested_amount >= fen(12951)",
         "false"},
        {"IntOrdered", "request.buyer.refunds_90d < max_refunds", "true"},
        {"StringEqual", "request.shop_id == 'shop-1'", "true"},
        {"StringOrdered", "request.shop_id < \"shop-2\"", "true"},
        {"StringConstant", "request.shop_id != shop_name", "true"},
        {"BoolEqual", "request.flags.urgent == true", "true"},
        {"EnumEqual", "request.reason == REASON_NO_REASON", "true"},
        {"EnumNotEqual", "request.reason != REASON_OTHER", "true"},
        {"TimestampOrdered", "request.applied_at < request.requested_at",
         "true"},
        {"DurationOrdered",
         "request.requested_at - request.applied_at > days(4)", "true"},
        {"DeadlineWithin",
         "request.requested_at + grace < request.after_sale_deadline", "true"},
        {"UnsetFieldsReadAsDefaults",
         "request.order.paid_amount == fen(0) && request.reason == "
         "REASON_UNSPECIFIED && request.shop_id == ''",
         "true", Setup::kEmpty},
        {"UnsetTimestampIsEpoch", "request.order.delivered_at",
         "1970-01-01T08:00:00+08:00", Setup::kEmpty},
    }),
    NameOf);

INSTANTIATE_TEST_SUITE_P(
    Logic, EvaluateTest,
    ::testing::ValuesIn(std::vector<EvalCase>{
        {"And", "request.flags.urgent && !request.flags.force_majeure", "true"},
        {"AndFalse", "request.flags.urgent && request.flags.force_majeure",
         "false"},
        {"Or", "request.flags.force_majeure || request.flags.urgent", "true"},
        {"OrFalse", "request.flags.force_majeure || !request.flags.urgent",
         "false"},
        {"FalseAndErrorIsFalse",
         "request.flags.force_majeure && request.buyer.refunds_90d / "
         "request.buyer.orders_90d > 1",
         "false"},
        {"ErrorAndFalseIsFalse",
         "request.buyer.refunds_90d / request.buyer.orders_90d > 1 && "
         "request.flags.force_majeure",
         "false"},
        {"TrueAndErrorIsError",
         "request.flags.urgent && days_since_signing() > 1",
         "error: order not delivered (request.order.delivered_at is unset) in "
         "`days_since_signing()`",
         Setup::kNotDelivered},
        {"TrueOrErrorIsTrue",
         "request.flags.urgent || days_since_signing() > 1", "true",
         Setup::kNotDelivered},
        {"ErrorOrTrueIsTrue",
         "days_since_signing() > 1 || request.flags.urgent", "true",
         Setup::kNotDelivered},
        {"FalseOrErrorIsError",
         "request.flags.force_majeure || days_since_signing() > 1",
         "error: order not delivered", Setup::kNotDelivered},
        {"FirstOfTwoErrorsWins",
         "request.buyer.refunds_90d / request.buyer.orders_90d > 1 && "
         "days_since_signing() > 1",
         "error: division by zero", Setup::kNotDelivered},
        {"NotOfErrorIsError", "!(days_since_signing() > 1)",
         "error: order not delivered", Setup::kNotDelivered},
        {"LongChain",
         "request.flags.urgent && request.reason == REASON_NO_REASON && "
         "is_delivered() && has_gifts() && !request.flags.force_majeure",
         "true"},
        {"TernaryTakesOneBranch",
         "request.flags.urgent ? fen(1) : yuan(1 / request.buyer.orders_90d)",
         "¥0.01"},
        {"TernaryOtherBranch",
         "request.flags.force_majeure ? fen(1) : "
         "yuan(request.buyer.refunds_90d)",
         "¥2.00"},
        {"TernaryConditionError", "days_since_signing() > 1 ? 1 : 2",
         "error: order not delivered", Setup::kNotDelivered},
    }),
    NameOf);

INSTANTIATE_TEST_SUITE_P(
    Lists, EvaluateTest,
    ::testing::ValuesIn(std::vector<EvalCase>{
        {"InListLiteral",
         "request.platform in [PLATFORM_TAOBAO, PLATFORM_TMALL]", "true"},
        {"NotInListLiteral", "request.platform in [PLATFORM_DOUYIN]", "false"},
        {"InListConstant", "request.platform in premium_platforms", "true"},
        {"InRepeatedField", "EVIDENCE_KIND_CHAT_RECORD in request.evidence",
         "true"},
        {"NotInRepeatedField",
         "EVIDENCE_KIND_UNBOXING_VIDEO in request.evidence", "false"},
        {"InStrings", "request.shop_id in ['a', 'shop-1']", "true"},
        {"InMoney", "request.requested_amount in [yuan(1), fen(12950)]",
         "true"},
        {"InEmptyList", "request.platform in []", "false"},
        {"InEmptyRepeatedField",
         "EVIDENCE_KIND_CHAT_RECORD in request.evidence", "false",
         Setup::kEmpty},
        {"ExistsTrue", "request.order.items.exists(i, i.is_gift)", "true"},
        {"AllFalse", "request.order.items.all(i, i.is_gift)", "false"},
        {"AllTrue", "request.order.items.all(i, i.quantity > 0 && i.sku != '')",
         "true"},
        {"ExistsFalse",
         "request.evidence.exists(e, e == EVIDENCE_KIND_UNBOXING_VIDEO)",
         "false"},
        {"ExistsOverEmptyIsFalse", "request.order.items.exists(i, i.is_gift)",
         "false", Setup::kEmpty},
        {"AllOverEmptyIsTrue", "request.order.items.all(i, i.is_gift)", "true",
         Setup::kEmpty},
        {"ExistsOverLiteral",
         "[1, 2, 3].exists(x, x == request.buyer.refunds_90d)", "true"},
        {"AllOverLiteral", "[1, 2, 3].all(x, x > request.buyer.refunds_90d)",
         "false"},
        {"Nested",
         "request.order.items.exists(i, "
         "request.inspection.received_items.exists(r, r.sku == i.sku && "
         "r.quantity < i.quantity))",
         "true"},
        {"ShadowedVariable", "[1].exists(x, [2].exists(x, x == 2))", "true"},
        {"OuterVariableInInnerPredicate",
         "[1, 2].all(x, [10].exists(y, y > x))", "true"},
        {"MoneyElements",
         "request.order.items.exists(i, i.unit_price >= yuan(50))", "true"},
        {"ExistsAbsorbsErrorWhenTrue", "[0, 1].exists(x, 1 / x == 1)", "true"},
        {"AllAbsorbsErrorWhenFalse", "[1, 0].all(x, 1 / x == 2)", "false"},
        {"AllPropagatesError", "[0, 1].all(x, 1 / x == 1)",
         "error: division by zero in `1 / x`"},
        {"ExistsPropagatesError", "[0, 2].exists(x, 1 / x == 1)",
         "error: division by zero"},
        {"RepeatedEnumField", "request.inspection.resale_defects",
         "[RESALE_DEFECT_TAGS_REMOVED]"},
        {"ListConstant", "premium_platforms",
         "[PLATFORM_TAOBAO, PLATFORM_TMALL]"},
        {"SizeOfRepeatedField", "size(request.evidence)", "2"},
        {"SizeAsMethod", "request.order.items.size()", "2"},
        {"SizeOfLiteral", "size([1, 2, 3]) + request.buyer.refunds_90d", "5"},
        {"SizeOfStringCountsCodePoints",
         "size(shop_name) + size(request.shop_id)", "8"},
    }),
    NameOf);

INSTANTIATE_TEST_SUITE_P(
    Presence, EvaluateTest,
    ::testing::ValuesIn(std::vector<EvalCase>{
        {"MessageSet", "has(request.order.delivered_at)", "true"},
        {"MessageUnset", "has(request.order.delivered_at)", "false",
         Setup::kNotDelivered},
        {"SubMessageUnset", "has(request.return_shipment)", "false"},
        {"ScalarNonDefault", "has(request.flags.urgent)", "true"},
        {"ScalarDefault", "has(request.flags.force_majeure)", "false"},
        {"RepeatedNonEmpty", "has(request.evidence)", "true"},
        {"RepeatedEmpty", "has(request.evidence)", "false", Setup::kEmpty},
        {"ThroughUnsetParent", "has(request.return_shipment.received_at)",
         "false"},
        {"OnComprehensionVariable",
         "request.order.items.exists(i, has(i.gift_value))", "true"},
    }),
    NameOf);

INSTANTIATE_TEST_SUITE_P(
    Helpers, EvaluateTest,
    ::testing::ValuesIn(std::vector<EvalCase>{
        {"IsDelivered", "is_delivered()", "true"},
        {"IsNotDelivered", "is_delivered()", "false", Setup::kNotDelivered},
        {"AppliedAt", "applied_at()", "2026-05-04T09:00:00+08:00"},
        {"AppliedAtDefaultsToRequestedAt",
         "applied_at() == request.requested_at", "true", Setup::kEmpty},
        {"DaysSinceSigning", "days_since_signing()", "3"},
        {"DaysSinceSigningNotDelivered", "days_since_signing()",
         "error: order not delivered (request.order.delivered_at is unset) in "
         "`days_since_signing()`",
         Setup::kNotDelivered},
        {"WithinSevenDays", "within_days_of_signing(7)", "true"},
        {"NotWithinTwoDays", "within_days_of_signing(2)", "false"},
        {"WithinThreeDays", "within_days_of_signing(3)", "true"},
        {"WithinNotDelivered", "within_days_of_signing(7)",
         "error: order not delivered", Setup::kNotDelivered},
        {"WithinNegativeWindow",
         "within_days_of_signing(request.buyer.refunds_90d - 3)",
         "error: window of -1 days out of range"},
        {"HasGifts", "has_gifts()", "true"},
        {"HasNoGifts", "has_gifts()", "false", Setup::kEmpty},
        {"UnreturnedGiftValue", "unreturned_gift_value()", "¥15.00"},
        // received_items is the merchant's report: `inspected` unset does
        // not hide it (see ReturnContentsTest in functions_test.cc).
        {"UnreturnedGiftValueListedNotInspected", "unreturned_gift_value()",
         "¥15.00", Setup::kNotInspected},
        {"MissingItemValue", "missing_item_value()", "¥50.00"},
        {"MissingItemValueListedNotInspected", "missing_item_value()", "¥50.00",
         Setup::kNotInspected},
        {"MissingItemCount", "missing_item_count()", "1"},
        {"MissingItemCountEmpty", "missing_item_count()", "0", Setup::kEmpty},
        {"NoUnexpectedItems", "has_unexpected_items()", "false"},
        {"UnexpectedItems", "has_unexpected_items()", "true",
         Setup::kUnexpectedItem},
        {"UnexpectedItemsDoNotCountAsReceived", "missing_item_count()", "1",
         Setup::kUnexpectedItem},
        {"TimeUntilDeadline", "time_until_deadline()", "24h"},
        {"TimeUntilDeadlineUnset", "time_until_deadline() < hours(24)",
         "error: request.after_sale_deadline is unset in "
         "`time_until_deadline()`",
         Setup::kNoDeadline},
        {"HasEvidence", "has_evidence(EVIDENCE_KIND_CHAT_RECORD)", "true"},
        {"HasNoEvidence", "has_evidence(EVIDENCE_KIND_UNBOXING_VIDEO)",
         "false"},
        {"FoldedConstantHelpers", "yuan(5) + fen(5)", "¥5.05"},
        {"NamedConstant", "small_compensation_cap", "¥5.00"},
        {"DurationConstant", "grace", "2h"},
    }),
    NameOf);

}  // namespace
}  // namespace refund::expr

#include "engine/expr/checker.h"

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "engine/expr/expression.h"
#include "engine/expr/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expr_test_util.h"
#include "tests/testing/status_matchers.h"

namespace refund::expr {
namespace {

using ::refund::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;

struct ExpectedIssue {
  int offset;
  std::string message;  // a substring
};

struct CheckCase {
  std::string name;
  std::string text;
  Expect expect;
  std::vector<ExpectedIssue> issues;  // empty: compiles

  friend void PrintTo(const CheckCase& c, std::ostream* os) { *os << c.name; }
};

class CheckTest : public ::testing::TestWithParam<CheckCase> {};

TEST_P(CheckTest, ReportsEveryIssueAtItsOffset) {
  const CheckCase& c = GetParam();
  const Environment env = testing::TestEnvironment();
  std::vector<ExprIssue> issues;
  auto compiled = Expression::Compile(c.text, env, c.expect, &issues);
  if (c.issues.empty()) {
    EXPECT_TRUE(compiled.ok()) << compiled.status();
    return;
  }
  EXPECT_THAT(compiled, StatusIs(absl::StatusCode::kInvalidArgument, _));
  ASSERT_EQ(issues.size(), c.issues.size()) << compiled.status();
  for (size_t i = 0; i < issues.size(); ++i) {
    EXPECT_EQ(issues[i].offset, c.issues[i].offset) << issues[i].message;
    EXPECT_THAT(issues[i].message, HasSubstr(c.issues[i].message));
    // The status lists the issues too.
    EXPECT_THAT(std::string(compiled.status().message()),
                HasSubstr(issues[i].message));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Types, CheckTest,
    ::testing::ValuesIn(std::vector<CheckCase>{
        // Well-typed expressions.
        {"EnumEquality",
         "request.reason == REASON_NO_REASON",
         Expect::kBool,
         {}},
        {"MoneyComparison",
         "request.requested_amount <= yuan(5)",
         Expect::kBool,
         {}},
        {"MoneyConstant",
         "request.requested_amount <= small_compensation_cap",
         Expect::kBool,
         {}},
        {"MoneyResult",
         "min(request.requested_amount, request.order.paid_amount - "
         "unreturned_gift_value())",
         Expect::kMoney,
         {}},
        {"MoneyTimesInt",
         "request.order.paid_amount * 2 / 3",
         Expect::kMoney,
         {}},
        {"TimestampArithmetic",
         "request.applied_at - request.order.delivered_at < days(7)",
         Expect::kBool,
         {}},
        {"TimestampPlusDuration",
         "request.requested_at + grace < request.after_sale_deadline",
         Expect::kBool,
         {}},
        {"InListConstant",
         "request.platform in premium_platforms",
         Expect::kBool,
         {}},
        {"InRepeatedEnum",
         "EVIDENCE_KIND_CHAT_RECORD in request.evidence",
         Expect::kBool,
         {}},
        {"Comprehension",
         "request.order.items.exists(i, i.is_gift && i.gift_value > fen(0))",
         Expect::kBool,
         {}},
        {"NestedComprehension",
         "request.order.items.all(i, "
         "request.inspection.received_items.exists(r, r.sku == i.sku))",
         Expect::kBool,
         {}},
        {"HasOnMessageAndScalar",
         "has(request.order.delivered_at) && has(request.flags.urgent)",
         Expect::kBool,
         {}},
        {"SizeBothWays",
         "size(request.evidence) == request.evidence.size()",
         Expect::kBool,
         {}},
        {"StringSize", "size(shop_name) == 2", Expect::kBool, {}},
        {"TernaryMoney",
         "request.flags.urgent ? yuan(1) : fen(50)",
         Expect::kMoney,
         {}},
        {"AnyResult", "days_since_signing()", Expect::kAny, {}},
        {"HasEvidence",
         "has_evidence(EVIDENCE_KIND_UNBOXING_VIDEO)",
         Expect::kBool,
         {}},
        // Mistakes.
        {"UnknownRootField",
         "request.ordr.paid_amount > yuan(1)",
         Expect::kBool,
         {{8,
           "unknown field 'ordr' in refund.v1.RefundRequest (did you mean "
           "'order'?)"}}},
        {"UnknownNestedField",
         "request.order.paid_amont > yuan(1)",
         Expect::kBool,
         {{14, "unknown field 'paid_amont' in refund.v1.Order"}}},
        {"BadEnumName",
         "request.reason == REASON_NO_REASONS",
         Expect::kBool,
         {{18,
           "unknown identifier 'REASON_NO_REASONS' (did you mean "
           "'REASON_NO_REASON'?)"}}},
        {"EnumTypeMismatch",
         "request.reason == PLATFORM_DOUYIN",
         Expect::kBool,
         {{15, "cannot compare refund.v1.Reason with refund.v1.Platform"}}},
        {"EnumComparedWithInt",
         "request.reason == 1",
         Expect::kBool,
         {{15, "cannot compare refund.v1.Reason with int"}}},
        {"EnumNotOrdered",
         "request.reason < REASON_OTHER",
         Expect::kBool,
         {{15, "not ordered"}}},
        {"NonBoolAnd",
         "request.flags.urgent && request.buyer.refunds_90d",
         Expect::kBool,
         {{21, "operator '&&' needs bool operands, got bool and int"}}},
        {"NonBoolNot",
         "!request.buyer.refunds_90d",
         Expect::kBool,
         {{0, "operator '!' needs a bool"}}},
        {"MoneyVersusInt",
         "request.requested_amount > 500",
         Expect::kBool,
         {{25,
           "cannot compare money with int using '>'; write amounts as yuan(n) "
           "or fen(n)"}}},
        {"MoneyPlusInt",
         "request.requested_amount + 1",
         Expect::kMoney,
         {{25, "operator '+' cannot be applied to money and int"}}},
        {"MoneyTimesMoney",
         "request.requested_amount * request.requested_amount",
         Expect::kMoney,
         {{25, "operator '*' cannot be applied to money and money"}}},
        {"ConditionNotBool",
         "request.requested_amount",
         Expect::kBool,
         {{0, "a condition must be bool, but this is money"}}},
        {"AmountNotMoney",
         "request.buyer.refunds_90d * 100",
         Expect::kMoney,
         {{0,
           "an amount must be money, but this is int; write yuan(n) or "
           "fen(n)"}}},
        {"SeveralMistakesAtOnce",
         "request.ordr == 1 || request.reason == PLATFORM_DOUYIN || bogus",
         Expect::kBool,
         {{8, "unknown field 'ordr'"},
          {36, "cannot compare refund.v1.Reason with refund.v1.Platform"},
          {58, "unknown identifier 'bogus'"}}},
        {"SelectOnList",
         "request.order.items.is_gift",
         Expect::kBool,
         {{20, "cannot select field 'is_gift' of a list(refund.v1.LineItem)"}}},
        {"SelectOnMoney",
         "request.requested_amount.minor_units > 0",
         Expect::kBool,
         {{25, "money has no field 'minor_units'"}}},
        {"SelectOnEnum",
         "has(request.reason.x)",
         Expect::kBool,
         {{19, "refund.v1.Reason has no field 'x'"}}},
        {"HasNeedsSelect",
         "has(request)",
         Expect::kBool,
         {{0, "has() takes one field selection"}}},
        {"HelperWrongArity",
         "yuan(1, 2) > fen(1)",
         Expect::kBool,
         {{0, "no matching call yuan(int, int); expected yuan(int)"}}},
        {"HelperWrongType",
         "min(yuan(1), 2) > fen(1)",
         Expect::kBool,
         {{0,
           "no matching call min(money, int); expected min(int, int) or "
           "min(money, money)"}}},
        {"HelperWithoutParentheses",
         "is_delivered",
         Expect::kBool,
         {{0, "'is_delivered' is a function; call it as is_delivered(...)"}}},
        {"HelperAsMethod",
         "request.evidence.has_evidence(EVIDENCE_KIND_CHAT_RECORD)",
         Expect::kBool,
         {{17, "has_evidence() is not a method"}}},
        {"UnknownFunction",
         "within_day_of_signing(7)",
         Expect::kBool,
         {{0,
           "unknown function 'within_day_of_signing' (did you mean "
           "'within_days_of_signing'?)"}}},
        {"HasEvidenceWrongEnum",
         "has_evidence(REASON_OTHER)",
         Expect::kBool,
         {{0, "no matching call has_evidence(refund.v1.Reason)"}}},
        {"PredicateNotBool",
         "request.evidence.exists(e, 1)",
         Expect::kBool,
         {{27, "predicate of exists() must be bool, got int"}}},
        {"ComprehensionOnScalar",
         "request.reason.exists(e, true)",
         Expect::kBool,
         {{15, "exists() needs a list, got refund.v1.Reason"}}},
        {"PredicateCheckedEvenWhenRangeIsWrong",
         "request.reason.exists(e, e.foo == 1 || bogus)",
         Expect::kBool,
         {{15, "exists() needs a list"}, {39, "unknown identifier 'bogus'"}}},
        {"TooDeeplyNestedComprehensions",
         "[1].exists(a, [1].exists(b, [1].exists(c, [1].exists(d, "
         "[1].exists(e, "
         "[1].exists(f, [1].exists(g, [1].exists(h, [1].exists(i, i == "
         "1)))))))))",
         Expect::kBool,
         {{116, "more than 8 nested"}}},
        {"ComprehensionVariableMisspelt",
         "request.order.items.exists(item, itme.is_gift)",
         Expect::kBool,
         {{33, "unknown identifier 'itme' (did you mean 'item'?)"}}},
        {"VariableOutOfScope",
         "request.order.items.exists(i, i.is_gift) && i.is_gift",
         Expect::kBool,
         {{44, "unknown identifier 'i'"}}},
        {"SizeOfScalar",
         "size(1) > 0",
         Expect::kBool,
         {{0, "size() needs a list or a string, got int"}}},
        {"MixedList",
         "request.platform in [PLATFORM_TAOBAO, REASON_OTHER]",
         Expect::kBool,
         {{38, "list elements must all have the same type"}}},
        {"WrongElementType",
         "REASON_OTHER in request.evidence",
         Expect::kBool,
         {{13,
           "cannot look for refund.v1.Reason in a "
           "list(refund.v1.EvidenceKind)"}}},
        {"InScalar",
         "1 in 2",
         Expect::kBool,
         {{2, "right operand of 'in' must be a list"}}},
        {"TimestampPlusTimestamp",
         "request.applied_at + request.requested_at > request.requested_at",
         Expect::kBool,
         {{19, "operator '+' cannot be applied to timestamp and timestamp"}}},
        {"TernaryBranchesDiffer",
         "true ? 1 : 'a'",
         Expect::kAny,
         {{5, "branches of '?:' have different types: int and string"}}},
        {"TernaryConditionNotBool",
         "1 ? 2 : 3",
         Expect::kAny,
         {{2, "condition of '?:' must be bool"}}},
        {"DivisionByZeroInConstant",
         "request.buyer.refunds_90d > 1 / 0",
         Expect::kBool,
         {{28, "division by zero"}}},
        {"OverflowInConstant",
         "request.requested_amount > yuan(9223372036854775807)",
         Expect::kBool,
         {{27, "integer overflow"}}},
        {"FloatField",
         "request.order.items.exists(i, i.quantity > 0) && 1.5 > 1",
         Expect::kBool,
         {{49, "floating-point"}}},
        {"MessageResult",
         "request.order",
         Expect::kAny,
         {{0, "cannot be a message"}}},
        {"MessageEquality",
         "request.order == request.order",
         Expect::kBool,
         {{14, "cannot compare refund.v1.Order with refund.v1.Order"}}},
        {"ErrorsDoNotCascade",
         "(request.ordr.x + 1) * 2 > 3 && true",
         Expect::kBool,
         {{9, "unknown field 'ordr'"}}},
    }),
    [](const ::testing::TestParamInfo<CheckCase>& info) {
      return info.param.name;
    });

TEST(CheckerTest, ResolvesNamesToDescriptors) {
  const Environment env = testing::TestEnvironment();
  std::vector<ExprIssue> issues;
  std::unique_ptr<const Ast> ast =
      Parse("request.reason == REASON_NO_REASON", &issues);
  ASSERT_NE(ast, nullptr);
  const CheckedAst checked = Check(*ast, env, &issues);
  ASSERT_TRUE(issues.empty());
  const Expr& select = ast->root().child(0);
  EXPECT_EQ(checked.reference(select).kind, Reference::Kind::kField);
  EXPECT_EQ(checked.reference(select).field,
            v1::RefundRequest::descriptor()->FindFieldByName("reason"));
  EXPECT_EQ(checked.reference(select.child(0)).kind, Reference::Kind::kRoot);
  const Expr& value = ast->root().child(1);
  EXPECT_EQ(checked.reference(value).enum_value,
            v1::Reason_descriptor()->FindValueByName("REASON_NO_REASON"));
  EXPECT_TRUE(checked.reads_root);
  EXPECT_EQ(checked.first_root_read, 0);
}

TEST(CheckerTest, RequestHelpersNeedARefundRequestRoot) {
  Environment env(v1::Order::descriptor(), "order", nullptr);
  std::vector<ExprIssue> issues;
  auto compiled =
      Expression::Compile("is_delivered() && order.shipping_insurance", env,
                          Expect::kBool, &issues);
  EXPECT_FALSE(compiled.ok());
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_THAT(issues[0].message, HasSubstr("refund.v1.RefundRequest"));
  // Pure helpers work with any root.
  EXPECT_TRUE(Expression::Compile("order.paid_amount > yuan(1)", env,
                                  Expect::kBool, nullptr)
                  .ok());
}

}  // namespace
}  // namespace refund::expr

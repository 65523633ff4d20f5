// The public facade: compile, result kinds, constants, errors, threads.
#include "engine/expr/expression.h"

#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expr_test_util.h"
#include "tests/testing/status_matchers.h"

namespace refund::expr {
namespace {

using ::refund::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;

TEST(ExpressionTest, ReportsResultKindAndRootReads) {
  const Environment env = testing::TestEnvironment();
  auto condition =
      Expression::Compile("request.flags.urgent", env, Expect::kBool, nullptr);
  ASSERT_TRUE(condition.ok());
  EXPECT_EQ((*condition)->result_kind(), ValueKind::kBool);
  EXPECT_TRUE((*condition)->reads_root());
  EXPECT_EQ((*condition)->text(), "request.flags.urgent");

  auto helper =
      Expression::Compile("is_delivered()", env, Expect::kBool, nullptr);
  ASSERT_TRUE(helper.ok());
  EXPECT_TRUE((*helper)->reads_root());

  auto constant = Expression::Compile("yuan(5) + small_compensation_cap", env,
                                      Expect::kMoney, nullptr);
  ASSERT_TRUE(constant.ok());
  EXPECT_EQ((*constant)->result_kind(), ValueKind::kMoney);
  EXPECT_FALSE((*constant)->reads_root());
  absl::StatusOr<ConstantValue> value = (*constant)->EvaluateConstant();
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, ConstantValue::Money(1000));
}

TEST(ExpressionTest, EvaluateConstantRefusesRootReaders) {
  const Environment env = testing::TestEnvironment();
  auto e =
      Expression::Compile("request.flags.urgent", env, Expect::kBool, nullptr);
  ASSERT_TRUE(e.ok());
  EXPECT_THAT((*e)->EvaluateConstant(),
              StatusIs(absl::StatusCode::kFailedPrecondition, _));
}

TEST(ExpressionTest, EvaluateOfTheWrongKindIsFailedPrecondition) {
  const Environment env = testing::TestEnvironment();
  const v1::RefundRequest request = testing::FullRequest();
  auto money = Expression::Compile("request.requested_amount", env,
                                   Expect::kAny, nullptr);
  ASSERT_TRUE(money.ok());
  EXPECT_THAT((*money)->EvaluateBool(request),
              StatusIs(absl::StatusCode::kFailedPrecondition, _));
  EXPECT_EQ((*money)->EvaluateMoney(request).value_or(0), 12950);
  auto flag =
      Expression::Compile("request.flags.urgent", env, Expect::kAny, nullptr);
  ASSERT_TRUE(flag.ok());
  EXPECT_THAT((*flag)->EvaluateMoney(request),
              StatusIs(absl::StatusCode::kFailedPrecondition, _));
}

TEST(ExpressionTest, EvaluatingAnotherMessageTypeIsInvalidArgument) {
  const Environment env = testing::TestEnvironment();
  auto e =
      Expression::Compile("request.flags.urgent", env, Expect::kBool, nullptr);
  ASSERT_TRUE(e.ok());
  v1::Order order;
  EXPECT_THAT((*e)->EvaluateBool(order),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("refund.v1.Order")));
}

TEST(ExpressionTest, NullIssuesPointerStillFails) {
  const Environment env = testing::TestEnvironment();
  auto e = Expression::Compile("request.nope", env, Expect::kBool, nullptr);
  EXPECT_THAT(e, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("unknown field 'nope'")));
}

TEST(ExpressionTest, IssuesAreAppendedNotReplaced) {
  const Environment env = testing::TestEnvironment();
  std::vector<ExprIssue> issues = {{99, "earlier"}};
  EXPECT_FALSE(Expression::Compile("a", env, Expect::kBool, &issues).ok());
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_EQ(issues[0].message, "earlier");
}

TEST(ExpressionTest, CompileConstantEvaluates) {
  const Environment env = testing::TestEnvironment();
  std::vector<ExprIssue> issues;
  absl::StatusOr<ConstantValue> cap = Expression::CompileConstant(
      "min(yuan(8), small_compensation_cap * 2)", env, &issues);
  ASSERT_TRUE(cap.ok()) << cap.status();
  EXPECT_EQ(*cap, ConstantValue::Money(800));

  absl::StatusOr<ConstantValue> list = Expression::CompileConstant(
      "[REASON_NO_REASON, REASON_OTHER]", env, &issues);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(testing::Show(*list), "[REASON_NO_REASON, REASON_OTHER]");

  absl::StatusOr<ConstantValue> window =
      Expression::CompileConstant("days(7) + hours(12)", env, &issues);
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->duration_value, absl::Hours(180));
  EXPECT_TRUE(issues.empty());
}

TEST(ExpressionTest, ConstantsCannotReadTheRequest) {
  const Environment env = testing::TestEnvironment();
  std::vector<ExprIssue> issues;
  absl::StatusOr<ConstantValue> c = Expression::CompileConstant(
      "yuan(1) + request.requested_amount", env, &issues);
  EXPECT_FALSE(c.ok());
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].offset, 10);
  EXPECT_THAT(issues[0].message, HasSubstr("cannot read 'request'"));

  issues.clear();
  EXPECT_FALSE(
      Expression::CompileConstant("is_delivered()", env, &issues).ok());
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].offset, 0);
}

TEST(ExpressionTest, ConstantsCanUseEarlierConstants) {
  Environment env = testing::TestEnvironment();
  absl::StatusOr<ConstantValue> doubled =
      Expression::CompileConstant("small_compensation_cap * 2", env, nullptr);
  ASSERT_TRUE(doubled.ok());
  ASSERT_TRUE(env.AddConstant("double_cap", *doubled).ok());
  auto e = Expression::Compile("request.requested_amount > double_cap", env,
                               Expect::kBool, nullptr);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->EvaluateBool(testing::FullRequest()).value_or(false), true);
}

struct ReservedCase {
  std::string name;
  std::string constant;
  std::string message;

  friend void PrintTo(const ReservedCase& c, std::ostream* os) {
    *os << c.name;
  }
};

class AddConstantTest : public ::testing::TestWithParam<ReservedCase> {};

TEST_P(AddConstantTest, RefusesReservedAndDuplicateNames) {
  Environment env = testing::TestEnvironment();
  EXPECT_THAT(env.AddConstant(GetParam().constant, ConstantValue::Int(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Names, AddConstantTest,
    ::testing::ValuesIn(std::vector<ReservedCase>{
        {"Root", "request", "root variable"},
        {"Keyword", "true", "keyword"},
        {"In", "in", "keyword"},
        {"Macro", "exists", "function"},
        {"Helper", "yuan", "function"},
        {"EnumValue", "REASON_OTHER", "enum value"},
        {"Duplicate", "max_refunds", "defined twice"},
        {"NotAnIdentifier", "two words", "not an identifier"},
        {"LeadingDigit", "7days", "not an identifier"},
        {"Empty", "", "not an identifier"},
    }),
    [](const ::testing::TestParamInfo<ReservedCase>& info) {
      return info.param.name;
    });

TEST(AddConstantTest, RefusesMessagesAndEnumsWithoutType) {
  Environment env = testing::TestEnvironment();
  ConstantValue message;
  message.kind = ValueKind::kMessage;
  EXPECT_FALSE(env.AddConstant("m", message).ok());
  ConstantValue untyped;
  untyped.kind = ValueKind::kEnum;
  EXPECT_FALSE(env.AddConstant("e", untyped).ok());
  ConstantValue mixed;
  mixed.kind = ValueKind::kList;
  mixed.element_kind = ValueKind::kInt;
  mixed.elements = {ConstantValue::Int(1), ConstantValue::String("x")};
  EXPECT_FALSE(env.AddConstant("l", mixed).ok());
}

TEST(ExpressionTest, EnumValuesComeFromTheRootPackageOnly) {
  const Environment env = testing::TestEnvironment();
  EXPECT_NE(env.FindEnumValue("VERDICT_APPROVE"), nullptr);
  EXPECT_NE(env.FindEnumValue("CHANNEL_PHONE"), nullptr);
  EXPECT_EQ(env.FindEnumValue("TYPE_INT32"), nullptr);  // descriptor.proto
  EXPECT_EQ(env.FindEnumValue("request"), nullptr);
}

TEST(ExpressionTest, ConcurrentEvaluationIsSafe) {
  const Environment env = testing::TestEnvironment();
  auto e = Expression::Compile(
      "request.order.items.exists(i, i.is_gift) && within_days_of_signing(7) "
      "&& request.platform in premium_platforms",
      env, Expect::kBool, nullptr);
  ASSERT_TRUE(e.ok());
  const v1::RefundRequest request = testing::FullRequest();
  std::vector<std::thread> threads;
  std::vector<int> matches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        matches[t] += (*e)->EvaluateBool(request).value_or(false) ? 1 : 0;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int m : matches) EXPECT_EQ(m, 1000);
}

TEST(ExpressionTest, UnknownEnumNumbersPrintAsNumbers) {
  const Environment env = testing::TestEnvironment();
  auto e = Expression::Compile("request.reason", env, Expect::kAny, nullptr);
  ASSERT_TRUE(e.ok());
  v1::RefundRequest request;
  request.set_reason(static_cast<v1::Reason>(77));
  std::vector<Expression::TraceStep> steps = (*e)->Trace(request);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].value, "77");
}

}  // namespace
}  // namespace refund::expr

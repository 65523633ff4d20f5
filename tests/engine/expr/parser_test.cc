#include "engine/expr/parser.h"

#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/expr_test_util.h"

namespace refund::expr {
namespace {

using ::testing::HasSubstr;
using testing::Sexpr;

struct ParseCase {
  std::string name;
  std::string text;
  std::string tree;  // Sexpr of the result

  friend void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.name; }
};

class ParseTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseTest, BuildsTheTree) {
  const ParseCase& c = GetParam();
  std::vector<ExprIssue> issues;
  std::unique_ptr<const Ast> ast = Parse(c.text, &issues);
  ASSERT_NE(ast, nullptr) << issues[0].offset << ": " << issues[0].message;
  EXPECT_TRUE(issues.empty());
  EXPECT_EQ(Sexpr(ast->root()), c.tree);
  EXPECT_EQ(ast->text(), c.text);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, ParseTest,
    ::testing::ValuesIn(std::vector<ParseCase>{
        {"MultiplicationBindsTighter", "1 + 2 * 3", "(+ 1 (* 2 3))"},
        {"LeftAssociative", "10 - 4 - 3", "(- (- 10 4) 3)"},
        {"AndBindsTighterThanOr", "a || b && c", "(|| a (&& b c))"},
        {"RelationBindsTighterThanAnd", "a == 1 && b < 2",
         "(&& (== a 1) (< b 2))"},
        {"ArithmeticBindsTighterThanRelation", "a + 1 <= b * 2",
         "(<= (+ a 1) (* b 2))"},
        {"NotBindsTightest", "!a == b", "(== (! a) b)"},
        {"Parentheses", "(a || b) && c", "(&& (|| a b) c)"},
        {"NegativeLiteral", "-3", "-3"},
        {"NegatedIdentifier", "-x", "(- x)"},
        {"DoubleNegation", "- -3", "(- -3)"},
        {"Int64Min", "-9223372036854775808", "-9223372036854775808"},
        {"TernaryIsRightAssociative", "a ? b : c ? d : e", "(? a b (? c d e))"},
        {"FieldPath", "request.order.paid_amount", "request.order.paid_amount"},
        {"GlobalCall", "yuan(5)", "(call yuan 5)"},
        {"CallWithoutArguments", "is_delivered()", "(call is_delivered)"},
        {"MethodCall", "request.evidence.size()",
         "(method size request.evidence)"},
        {"Comprehension", "request.order.items.exists(i, i.is_gift)",
         "(method exists request.order.items i i.is_gift)"},
        {"NestedComprehension", "a.all(x, x.b.exists(y, y == 1))",
         "(method all a x (method exists x.b y (== y 1)))"},
        {"InList", "request.platform in [PLATFORM_TAOBAO, PLATFORM_TMALL]",
         "(in request.platform [PLATFORM_TAOBAO PLATFORM_TMALL])"},
        {"TrailingCommaInList", "[1, 2,]", "[1 2]"},
        {"EmptyList", "[]", "[]"},
        {"Strings", "'a' == \"b\"", "(== \"a\" \"b\")"},
        {"Booleans", "true != false", "(!= true false)"},
        {"Has", "has(request.order.delivered_at)",
         "(call has request.order.delivered_at)"},
        {"CommentsAndNewlines", "a &&  // first\n  b", "(&& a b)"},
    }),
    [](const ::testing::TestParamInfo<ParseCase>& info) {
      return info.param.name;
    });

struct ParseErrorCase {
  std::string name;
  std::string text;
  int offset;
  std::string message;

  friend void PrintTo(const ParseErrorCase& c, std::ostream* os) {
    *os << c.name;
  }
};

class ParseErrorTest : public ::testing::TestWithParam<ParseErrorCase> {};

TEST_P(ParseErrorTest, ReportsTheFirstErrorWhereItIs) {
  const ParseErrorCase& c = GetParam();
  std::vector<ExprIssue> issues;
  EXPECT_EQ(Parse(c.text, &issues), nullptr);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].offset, c.offset) << issues[0].message;
  EXPECT_THAT(issues[0].message, HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ParseErrorTest,
    ::testing::ValuesIn(std::vector<ParseErrorCase>{
        {"MissingOperand", "a +", 3, "expected an expression"},
        {"Empty", "", 0, "expected an expression"},
        {"UnclosedParenthesis", "(a || b", 7, "expected ')'"},
        {"TwoExpressions", "a b", 2, "after a complete expression"},
        {"DanglingComma", "f(a,)", 4, "expected an expression"},
        {"MissingColon", "a ? b", 5, "expected ':'"},
        {"Indexing", "request.order.items[0]", 19, "indexing"},
        {"Null", "request.order == null", 17, "'null' is not supported"},
        {"LiteralTooBig", "9223372036854775808", 0, "out of range"},
        {"ParenthesisAfterDot", "request.(a)", 8, "field name after '.'"},
        {"StrayClosingBracket", "a]", 1, "after a complete expression"},
        {"LexicalErrorNotRepeated", "a == 'x", 5, "unterminated"},
        {"OperatorWithoutLeftOperand", "&& a", 0, "expected an expression"},
    }),
    [](const ::testing::TestParamInfo<ParseErrorCase>& info) {
      return info.param.name;
    });

TEST(ParseTest, ReportsEveryLexicalError) {
  std::vector<ExprIssue> issues;
  EXPECT_EQ(Parse("a # b $ c", &issues), nullptr);
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_EQ(issues[0].offset, 2);
  EXPECT_EQ(issues[1].offset, 6);
}

TEST(ParseTest, SpansCoverParenthesesAndOperands) {
  std::vector<ExprIssue> issues;
  const std::string text = "(a || b) && request.order.paid_amount";
  std::unique_ptr<const Ast> ast = Parse(text, &issues);
  ASSERT_NE(ast, nullptr);
  const Expr& root = ast->root();
  EXPECT_EQ(ast->Text(root), text);
  EXPECT_EQ(root.anchor(), 9);  // the &&
  EXPECT_EQ(ast->Text(root.child(0)), "(a || b)");
  EXPECT_EQ(ast->Text(root.child(1)), "request.order.paid_amount");
  EXPECT_EQ(root.child(1).anchor(), 26);  // paid_amount
}

TEST(ParseTest, RefusesDeepNestingWithoutCrashing) {
  std::vector<ExprIssue> issues;
  const std::string deep =
      std::string(5000, '(') + "1" + std::string(5000, ')');
  EXPECT_EQ(Parse(deep, &issues), nullptr);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_THAT(issues[0].message, HasSubstr("nested too deeply"));

  issues.clear();
  // Under kMaxExpressionBytes, far over kMaxExpressionHeight.
  std::string chain = "1";
  for (int i = 0; i < 3000; ++i) chain += " + 1";
  EXPECT_EQ(Parse(chain, &issues), nullptr);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_THAT(issues[0].message, HasSubstr("nested too deeply"));

  issues.clear();
  EXPECT_EQ(Parse(std::string(5000, '!') + "a", &issues), nullptr);
  ASSERT_EQ(issues.size(), 1u);
}

TEST(ParseTest, AcceptsModerateNesting) {
  std::vector<ExprIssue> issues;
  std::string chain = "1";
  for (int i = 0; i < 50; ++i) chain += " + 1";
  EXPECT_NE(Parse(chain, &issues), nullptr);
  EXPECT_TRUE(issues.empty());
}

TEST(ParseTest, RefusesHugeText) {
  std::vector<ExprIssue> issues;
  EXPECT_EQ(Parse(std::string(kMaxExpressionBytes + 1, ' '), &issues), nullptr);
  ASSERT_EQ(issues.size(), 1u);
}

TEST(ParseTest, RefusesLongListLiteralAtItsBracket) {
  std::string list = "x in [0";
  for (size_t i = 1; i < kMaxListElements; ++i) list += ", 1";
  list += "]";
  std::vector<ExprIssue> issues;
  EXPECT_NE(Parse(list, &issues), nullptr);
  EXPECT_TRUE(issues.empty());

  list.insert(list.size() - 1, ", 2");
  EXPECT_EQ(Parse(list, &issues), nullptr);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].offset, 5);
  EXPECT_THAT(issues[0].message,
              HasSubstr("at most 256 elements; this one has 257"));
}

}  // namespace
}  // namespace refund::expr

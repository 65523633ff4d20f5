#include "engine/expr/lexer.h"

#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace refund::expr {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using K = TokenKind;

struct LexCase {
  std::string name;
  std::string text;
  std::vector<TokenKind> kinds;  // without the final kEnd
  std::vector<int> issue_offsets;
  std::string issue_substring;

  friend void PrintTo(const LexCase& c, std::ostream* os) { *os << c.name; }
};

class LexTest : public ::testing::TestWithParam<LexCase> {};

TEST_P(LexTest, ProducesTokensAndIssues) {
  const LexCase& c = GetParam();
  std::vector<ExprIssue> issues;
  std::vector<Token> tokens = Lex(c.text, &issues);
  ASSERT_FALSE(tokens.empty());
  EXPECT_EQ(tokens.back().kind, K::kEnd);
  EXPECT_EQ(tokens.back().begin, static_cast<int>(c.text.size()));
  std::vector<TokenKind> kinds;
  for (size_t i = 0; i + 1 < tokens.size(); ++i)
    kinds.push_back(tokens[i].kind);
  EXPECT_THAT(kinds, ElementsAreArray(c.kinds));
  std::vector<int> offsets;
  for (const ExprIssue& issue : issues) {
    offsets.push_back(issue.offset);
    EXPECT_THAT(issue.message, HasSubstr(c.issue_substring));
  }
  EXPECT_THAT(offsets, ElementsAreArray(c.issue_offsets));
}

INSTANTIATE_TEST_SUITE_P(
    Tokens, LexTest,
    ::testing::ValuesIn(std::vector<LexCase>{
        {"FieldPathComparison",
         "request.order.paid_amount >= 100",
         {K::kIdentifier, K::kDot, K::kIdentifier, K::kDot, K::kIdentifier,
          K::kGreaterEqual, K::kInt},
         {},
         ""},
        {"AllOperators",
         "== != < <= > >= && || ! + - * / % ? : . , ( ) [ ]",
         {K::kEqual,       K::kNotEqual,     K::kLess,      K::kLessEqual,
          K::kGreater,     K::kGreaterEqual, K::kAnd,       K::kOr,
          K::kNot,         K::kPlus,         K::kMinus,     K::kStar,
          K::kSlash,       K::kPercent,      K::kQuestion,  K::kColon,
          K::kDot,         K::kComma,        K::kLeftParen, K::kRightParen,
          K::kLeftBracket, K::kRightBracket},
         {},
         ""},
        {"Keywords",
         "true false null in inx",
         {K::kTrue, K::kFalse, K::kNull, K::kIn, K::kIdentifier},
         {},
         ""},
        {"NoSpaces",
         "a&&!b",
         {K::kIdentifier, K::kAnd, K::kNot, K::kIdentifier},
         {},
         ""},
        {"Strings", "\"a\" 'b'", {K::kString, K::kString}, {}, ""},
        {"CommentToEndOfLine",
         "a // the rest ) is ignored\n|| b",
         {K::kIdentifier, K::kOr, K::kIdentifier},
         {},
         ""},
        {"HexLiteral", "0x1F", {K::kInt}, {}, ""},
        {"FloatRefused",
         "12.5 + 1",
         {K::kError, K::kPlus, K::kInt},
         {0},
         "floating-point"},
        {"ExponentRefused", "1e5", {K::kError}, {0}, "floating-point"},
        {"SingleEqualsRefused",
         "a = b",
         {K::kIdentifier, K::kError, K::kIdentifier},
         {2},
         "'=='"},
        {"SingleAmpersandRefused",
         "a & b",
         {K::kIdentifier, K::kError, K::kIdentifier},
         {2},
         "'&&'"},
        {"SinglePipeRefused",
         "a | b",
         {K::kIdentifier, K::kError, K::kIdentifier},
         {2},
         "'||'"},
        {"UnterminatedString",
         "a == \"abc",
         {K::kIdentifier, K::kEqual, K::kError},
         {5},
         "unterminated"},
        {"NewlineEndsString",
         "'ab\ncd'",
         {K::kError, K::kIdentifier, K::kError},
         {0, 6},
         "unterminated"},
        {"BadEscape", "\"a\\qb\"", {K::kError}, {2}, "escape"},
        {"IntegerOutOfRange",
         "99999999999999999999",
         {K::kError},
         {0},
         "out of range"},
        {"UnsignedSuffix", "5u", {K::kError}, {0}, "unsigned"},
        {"MalformedNumber", "12abc", {K::kError}, {0}, "malformed"},
        {"EveryStrayCharacterReported",
         "a # b $ c",
         {K::kIdentifier, K::kError, K::kIdentifier, K::kError, K::kIdentifier},
         {2, 6},
         "unexpected character"},
        {"NonAsciiOutsideQuotesOnce",
         "a == 小",
         {K::kIdentifier, K::kEqual, K::kError},
         {5},
         "non-ASCII"},
    }),
    [](const ::testing::TestParamInfo<LexCase>& info) {
      return info.param.name;
    });

struct ValueCase {
  std::string name;
  std::string text;
  std::string string_value;
  uint64_t int_value;

  friend void PrintTo(const ValueCase& c, std::ostream* os) { *os << c.name; }
};

class LexValueTest : public ::testing::TestWithParam<ValueCase> {};

TEST_P(LexValueTest, DecodesTheLiteral) {
  const ValueCase& c = GetParam();
  std::vector<ExprIssue> issues;
  std::vector<Token> tokens = Lex(c.text, &issues);
  ASSERT_TRUE(issues.empty()) << issues[0].message;
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].text, c.string_value);
  EXPECT_EQ(tokens[0].int_value, c.int_value);
  EXPECT_EQ(tokens[0].begin, 0);
  EXPECT_EQ(tokens[0].end, static_cast<int>(c.text.size()));
}

INSTANTIATE_TEST_SUITE_P(
    Literals, LexValueTest,
    ::testing::ValuesIn(std::vector<ValueCase>{
        {"DoubleQuotedWithEscapes", R"("a\"b\\c\n")", "a\"b\\c\n", 0},
        {"SingleQuotedWithEscapes", R"('it\'s')", "it's", 0},
        {"Utf8InsideQuotes", "\"小店\"", "小店", 0},
        {"Identifier", "small_compensation_cap", "small_compensation_cap", 0},
        {"Decimal", "12345", "", 12345},
        {"Hex", "0xff", "", 255},
        {"MagnitudeOfInt64Min", "9223372036854775808", "",
         9223372036854775808ull},
    }),
    [](const ::testing::TestParamInfo<ValueCase>& info) {
      return info.param.name;
    });

}  // namespace
}  // namespace refund::expr

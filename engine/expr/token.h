// Tokens of the policy expression language (a subset of CEL).
#ifndef ENGINE_EXPR_TOKEN_H_
#define ENGINE_EXPR_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace refund::expr {

enum class TokenKind {
  kEnd,         // end of input
  kError,       // a character sequence the lexer could not read (reported)
  kIdentifier,  // request, yuan, REASON_NO_REASON
  kInt,         // 42 (the minus sign of -3 is a separate token)
  kString,      // "a\"b" or 'a', value unescaped
  kTrue,
  kFalse,
  kNull,  // reserved; not part of the subset
  kIn,
  kLeftParen,
  kRightParen,
  kLeftBracket,
  kRightBracket,
  kDot,
  kComma,
  kQuestion,
  kColon,
  kEqual,         // ==
  kNotEqual,      // !=
  kLess,          // <
  kLessEqual,     // <=
  kGreater,       // >
  kGreaterEqual,  // >=
  kAnd,           // &&
  kOr,            // ||
  kNot,           // !
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
};

// The source spelling of a token kind, for messages ("'=='", "identifier").
const char* TokenKindName(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::kEnd;
  int begin = 0;  // byte offset of the first character in the expression
  int end = 0;    // one past the last character
  // kIdentifier: the name; kString: the unescaped value.
  std::string text;
  // kInt: the literal's magnitude. Values above INT64_MAX are kept (as
  // unsigned) so that the parser can accept -9223372036854775808.
  uint64_t int_value = 0;
};

}  // namespace refund::expr

#endif  // ENGINE_EXPR_TOKEN_H_

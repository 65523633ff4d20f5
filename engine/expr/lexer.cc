#include "engine/expr/lexer.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace refund::expr {

const char* TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEnd:
      return "end of expression";
    case TokenKind::kError:
      return "unreadable text";
    case TokenKind::kIdentifier:
      return "identifier";
    case TokenKind::kInt:
      return "integer";
    case TokenKind::kString:
      return "string";
    case TokenKind::kTrue:
      return "'true'";
    case TokenKind::kFalse:
      return "'false'";
    case TokenKind::kNull:
      return "'null'";
    case TokenKind::kIn:
      return "'in'";
    case TokenKind::kLeftParen:
      return "'('";
    case TokenKind::kRightParen:
      return "')'";
    case TokenKind::kLeftBracket:
      return "'['";
    case TokenKind::kRightBracket:
      return "']'";
    case TokenKind::kDot:
      return "'.'";
    case TokenKind::kComma:
      return "','";
    case TokenKind::kQuestion:
      return "'?'";
    case TokenKind::kColon:
      return "':'";
    case TokenKind::kEqual:
      return "'=='";
    case TokenKind::kNotEqual:
      return "'!='";
    case TokenKind::kLess:
      return "'<'";
    case TokenKind::kLessEqual:
      return "'<='";
    case TokenKind::kGreater:
      return "'>'";
    case TokenKind::kGreaterEqual:
      return "'>='";
    case TokenKind::kAnd:
      return "'&&'";
    case TokenKind::kOr:
      return "'||'";
    case TokenKind::kNot:
      return "'!'";
    case TokenKind::kPlus:
      return "'+'";
    case TokenKind::kMinus:
      return "'-'";
    case TokenKind::kStar:
      return "'*'";
    case TokenKind::kSlash:
      return "'/'";
    case TokenKind::kPercent:
      return "'%'";
  }
  return "token";
}

namespace {

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// The length of the UTF-8 sequence starting with `lead`, so that a non-ASCII
// character outside a string is reported once, not once per byte.
int Utf8Length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

class Lexer {
 public:
  Lexer(std::string_view text, std::vector<ExprIssue>* issues)
      : text_(text), issues_(issues) {}

  std::vector<Token> Run() {
    std::vector<Token> tokens;
    while (true) {
      SkipSpaceAndComments();
      if (pos_ >= text_.size()) break;
      tokens.push_back(Next());
    }
    Token end;
    end.kind = TokenKind::kEnd;
    end.begin = end.end = static_cast<int>(text_.size());
    tokens.push_back(std::move(end));
    return tokens;
  }

 private:
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  void SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (c == '/' && Peek(1) == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  Token Make(TokenKind kind, size_t begin) const {
    Token t;
    t.kind = kind;
    t.begin = static_cast<int>(begin);
    t.end = static_cast<int>(pos_);
    return t;
  }

  Token Error(size_t begin, std::string message) {
    issues_->push_back({static_cast<int>(begin), std::move(message)});
    return Make(TokenKind::kError, begin);
  }

  Token Next() {
    const size_t begin = pos_;
    const char c = text_[pos_];
    if (IsIdentStart(c)) return Identifier(begin);
    if (IsDigit(c)) return Number(begin);
    if (c == '"' || c == '\'') return String(begin, c);
    ++pos_;
    switch (c) {
      case '(':
        return Make(TokenKind::kLeftParen, begin);
      case ')':
        return Make(TokenKind::kRightParen, begin);
      case '[':
        return Make(TokenKind::kLeftBracket, begin);
      case ']':
        return Make(TokenKind::kRightBracket, begin);
      case ',':
        return Make(TokenKind::kComma, begin);
      case '?':
        return Make(TokenKind::kQuestion, begin);
      case ':':
        return Make(TokenKind::kColon, begin);
      case '+':
        return Make(TokenKind::kPlus, begin);
      case '-':
        return Make(TokenKind::kMinus, begin);
      case '*':
        return Make(TokenKind::kStar, begin);
      case '/':
        return Make(TokenKind::kSlash, begin);
      case '%':
        return Make(TokenKind::kPercent, begin);
      case '.':
        if (IsDigit(Peek())) {
          while (IsDigit(Peek())) ++pos_;
          return Error(begin,
                       "floating-point numbers are not supported; amounts "
                       "are integers (use fen(n) or yuan(n))");
        }
        return Make(TokenKind::kDot, begin);
      case '=':
        if (Peek() == '=') {
          ++pos_;
          return Make(TokenKind::kEqual, begin);
        }
        return Error(begin, "'=' is not an operator; use '==' to compare");
      case '!':
        if (Peek() == '=') {
          ++pos_;
          return Make(TokenKind::kNotEqual, begin);
        }
        return Make(TokenKind::kNot, begin);
      case '<':
        if (Peek() == '=') {
          ++pos_;
          return Make(TokenKind::kLessEqual, begin);
        }
        return Make(TokenKind::kLess, begin);
      case '>':
        if (Peek() == '=') {
          ++pos_;
          return Make(TokenKind::kGreaterEqual, begin);
        }
        return Make(TokenKind::kGreater, begin);
      case '&':
        if (Peek() == '&') {
          ++pos_;
          return Make(TokenKind::kAnd, begin);
        }
        return Error(begin, "'&' is not an operator; use '&&'");
      case '|':
        if (Peek() == '|') {
          ++pos_;
          return Make(TokenKind::kOr, begin);
        }
        return Error(begin, "'|' is not an operator; use '||'");
      default:
        break;
    }
    const unsigned char lead = static_cast<unsigned char>(c);
    if (lead >= 0x80) {
      pos_ = std::min(text_.size(), begin + Utf8Length(lead));
      return Error(begin,
                   "unexpected non-ASCII character (text belongs in quotes)");
    }
    return Error(
        begin, absl::StrCat("unexpected character '", std::string(1, c), "'"));
  }

  Token Identifier(size_t begin) {
    while (IsIdentChar(Peek())) ++pos_;
    std::string_view word = text_.substr(begin, pos_ - begin);
    if (word == "true") return Make(TokenKind::kTrue, begin);
    if (word == "false") return Make(TokenKind::kFalse, begin);
    if (word == "null") return Make(TokenKind::kNull, begin);
    if (word == "in") return Make(TokenKind::kIn, begin);
    Token t = Make(TokenKind::kIdentifier, begin);
    t.text = std::string(word);
    return t;
  }

  Token Number(size_t begin) {
    // 2^63: the magnitude of INT64_MIN, the largest literal we keep.
    constexpr uint64_t kLimit = uint64_t{1} << 63;
    uint64_t value = 0;
    bool too_big = false;
    const bool hex = Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X');
    if (hex) {
      pos_ += 2;
      if (!IsHexDigit(Peek())) {
        return Error(begin, "hexadecimal literal without digits");
      }
      while (IsHexDigit(Peek())) {
        if (value > (kLimit >> 4)) too_big = true;
        if (!too_big) value = value * 16 + HexValue(Peek());
        ++pos_;
      }
    } else {
      while (IsDigit(Peek())) {
        const uint64_t digit = static_cast<uint64_t>(Peek() - '0');
        if (value > (kLimit - digit) / 10) too_big = true;
        if (!too_big) value = value * 10 + digit;
        ++pos_;
      }
    }
    if (too_big || value > kLimit) {
      while (IsIdentChar(Peek())) ++pos_;
      return Error(begin, "integer literal out of range for int64");
    }
    if (!hex && (Peek() == '.' || Peek() == 'e' || Peek() == 'E') &&
        (IsDigit(Peek(1)) || Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      while (IsIdentChar(Peek()) || Peek() == '.' ||
             ((Peek() == '+' || Peek() == '-') &&
              (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E'))) {
        ++pos_;
      }
      return Error(begin,
                   "floating-point numbers are not supported; amounts are "
                   "integers (use fen(n) or yuan(n))");
    }
    if (Peek() == 'u' || Peek() == 'U') {
      ++pos_;
      return Error(begin, "unsigned literals are not supported; use int");
    }
    if (IsIdentChar(Peek())) {
      while (IsIdentChar(Peek())) ++pos_;
      return Error(begin, "malformed number");
    }
    Token t = Make(TokenKind::kInt, begin);
    t.int_value = value;
    return t;
  }

  Token String(size_t begin, char quote) {
    ++pos_;  // opening quote
    std::string value;
    bool bad_escape = false;
    size_t bad_escape_at = 0;
    while (true) {
      if (pos_ >= text_.size() || text_[pos_] == '\n') {
        return Error(begin, "unterminated string literal");
      }
      const char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        break;
      }
      if (c == '\\') {
        const char e = Peek(1);
        pos_ += 2;
        switch (e) {
          case '\\':
            value.push_back('\\');
            break;
          case '"':
            value.push_back('"');
            break;
          case '\'':
            value.push_back('\'');
            break;
          case 'n':
            value.push_back('\n');
            break;
          case 'r':
            value.push_back('\r');
            break;
          case 't':
            value.push_back('\t');
            break;
          default:
            if (e == '\0' || e == '\n') {
              pos_ = std::min(pos_ - 1, text_.size());
              return Error(begin, "unterminated string literal");
            }
            if (!bad_escape) bad_escape_at = pos_ - 2;
            bad_escape = true;
            break;
        }
        continue;
      }
      value.push_back(c);
      ++pos_;
    }
    if (bad_escape) {
      issues_->push_back({static_cast<int>(bad_escape_at),
                          "unknown escape sequence (allowed: \\\\ \\\" \\' "
                          "\\n \\r \\t)"});
      return Make(TokenKind::kError, begin);
    }
    Token t = Make(TokenKind::kString, begin);
    t.text = std::move(value);
    return t;
  }

  std::string_view text_;
  std::vector<ExprIssue>* issues_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Token> Lex(std::string_view text, std::vector<ExprIssue>* issues) {
  return Lexer(text, issues).Run();
}

}  // namespace refund::expr

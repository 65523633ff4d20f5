#include "engine/expr/parser.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/expr/lexer.h"

namespace refund::expr {
namespace {

using ExprPtr = std::unique_ptr<Expr>;

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::vector<ExprIssue>* issues)
      : tokens_(std::move(tokens)), issues_(issues) {}

  ExprPtr Run() {
    ExprPtr e = ParseExpr();
    if (e == nullptr) return nullptr;
    if (Peek().kind != TokenKind::kEnd) {
      return Fail(Peek(), absl::StrCat("unexpected ", Describe(Peek()),
                                       " after a complete expression"));
    }
    return e;
  }

  int node_count() const { return builder_.node_count(); }

 private:
  // Parse functions return nullptr after reporting the (first) error.
  const Token& Peek(size_t ahead = 0) const {
    const size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& Advance() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool Accept(TokenKind kind) {
    if (Peek().kind != kind) return false;
    Advance();
    return true;
  }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::kIdentifier:
        return absl::StrCat("identifier '", t.text, "'");
      case TokenKind::kInt:
        return absl::StrCat("number ", t.int_value);
      case TokenKind::kString:
        return "string literal";
      default:
        return std::string(TokenKindName(t.kind));
    }
  }

  ExprPtr Fail(const Token& at, std::string message) {
    // An error token was already reported by the lexer.
    if (!failed_ && at.kind != TokenKind::kError) {
      issues_->push_back({at.begin, std::move(message)});
    }
    failed_ = true;
    return nullptr;
  }

  ExprPtr Expect(TokenKind kind, ExprPtr e, const char* context) {
    if (e == nullptr) return nullptr;
    if (!Accept(kind)) {
      return Fail(Peek(), absl::StrCat("expected ", TokenKindName(kind), " ",
                                       context, ", found ", Describe(Peek())));
    }
    return e;
  }

  ExprPtr CheckHeight(ExprPtr e) {
    if (e != nullptr && e->height() > kMaxExpressionHeight) {
      return Fail(Peek(), absl::StrCat("expression nested too deeply (more "
                                       "than ",
                                       kMaxExpressionHeight, " levels)"));
    }
    return e;
  }

  // Guards the recursion of the parser itself, e.g. on "((((((...".
  class DepthGuard {
   public:
    explicit DepthGuard(Parser* p) : p_(p) { ++p_->depth_; }
    ~DepthGuard() { --p_->depth_; }
    bool too_deep() const { return p_->depth_ > kMaxExpressionHeight; }

   private:
    Parser* p_;
  };

  ExprPtr ParseExpr() {
    DepthGuard guard(this);
    if (guard.too_deep()) {
      return Fail(Peek(), absl::StrCat("expression nested too deeply (more "
                                       "than ",
                                       kMaxExpressionHeight, " levels)"));
    }
    ExprPtr cond = ParseOr();
    if (cond == nullptr) return nullptr;
    if (Peek().kind != TokenKind::kQuestion) return cond;
    const int question = Advance().begin;
    ExprPtr then_expr = ParseOr();
    if (then_expr == nullptr) return nullptr;
    if (!Accept(TokenKind::kColon)) {
      return Fail(Peek(), absl::StrCat("expected ':' in a conditional "
                                       "expression, found ",
                                       Describe(Peek())));
    }
    ExprPtr else_expr = ParseExpr();
    if (else_expr == nullptr) return nullptr;
    return CheckHeight(builder_.Ternary(
        question, std::move(cond), std::move(then_expr), std::move(else_expr)));
  }

  template <typename Next, typename OpOf>
  ExprPtr ParseLeftAssociative(Next next, OpOf op_of) {
    ExprPtr lhs = (this->*next)();
    while (lhs != nullptr) {
      BinaryOp op;
      if (!op_of(Peek().kind, &op)) break;
      const int op_begin = Advance().begin;
      ExprPtr rhs = (this->*next)();
      if (rhs == nullptr) return nullptr;
      lhs = CheckHeight(
          builder_.Binary(op, op_begin, std::move(lhs), std::move(rhs)));
    }
    return lhs;
  }

  ExprPtr ParseOr() {
    return ParseLeftAssociative(&Parser::ParseAnd,
                                [](TokenKind k, BinaryOp* op) {
                                  *op = BinaryOp::kOr;
                                  return k == TokenKind::kOr;
                                });
  }

  ExprPtr ParseAnd() {
    return ParseLeftAssociative(&Parser::ParseRelation,
                                [](TokenKind k, BinaryOp* op) {
                                  *op = BinaryOp::kAnd;
                                  return k == TokenKind::kAnd;
                                });
  }

  ExprPtr ParseRelation() {
    return ParseLeftAssociative(&Parser::ParseAddition,
                                [](TokenKind k, BinaryOp* op) {
                                  switch (k) {
                                    case TokenKind::kEqual:
                                      *op = BinaryOp::kEqual;
                                      return true;
                                    case TokenKind::kNotEqual:
                                      *op = BinaryOp::kNotEqual;
                                      return true;
                                    case TokenKind::kLess:
                                      *op = BinaryOp::kLess;
                                      return true;
                                    case TokenKind::kLessEqual:
                                      *op = BinaryOp::kLessEqual;
                                      return true;
                                    case TokenKind::kGreater:
                                      *op = BinaryOp::kGreater;
                                      return true;
                                    case TokenKind::kGreaterEqual:
                                      *op = BinaryOp::kGreaterEqual;
                                      return true;
                                    case TokenKind::kIn:
                                      *op = BinaryOp::kIn;
                                      return true;
                                    default:
                                      return false;
                                  }
                                });
  }

  ExprPtr ParseAddition() {
    return ParseLeftAssociative(&Parser::ParseTerm,
                                [](TokenKind k, BinaryOp* op) {
                                  if (k == TokenKind::kPlus) {
                                    *op = BinaryOp::kAdd;
                                    return true;
                                  }
                                  if (k == TokenKind::kMinus) {
                                    *op = BinaryOp::kSubtract;
                                    return true;
                                  }
                                  return false;
                                });
  }

  ExprPtr ParseTerm() {
    return ParseLeftAssociative(&Parser::ParseUnary,
                                [](TokenKind k, BinaryOp* op) {
                                  switch (k) {
                                    case TokenKind::kStar:
                                      *op = BinaryOp::kMultiply;
                                      return true;
                                    case TokenKind::kSlash:
                                      *op = BinaryOp::kDivide;
                                      return true;
                                    case TokenKind::kPercent:
                                      *op = BinaryOp::kModulo;
                                      return true;
                                    default:
                                      return false;
                                  }
                                });
  }

  ExprPtr ParseUnary() {
    DepthGuard guard(this);
    if (guard.too_deep()) {
      return Fail(Peek(), absl::StrCat("expression nested too deeply (more "
                                       "than ",
                                       kMaxExpressionHeight, " levels)"));
    }
    const Token& t = Peek();
    if (t.kind == TokenKind::kNot) {
      const int begin = Advance().begin;
      ExprPtr operand = ParseUnary();
      if (operand == nullptr) return nullptr;
      return CheckHeight(
          builder_.Unary(begin, UnaryOp::kNot, std::move(operand)));
    }
    if (t.kind == TokenKind::kMinus) {
      const int begin = Advance().begin;
      if (Peek().kind == TokenKind::kInt) {
        // -N is one literal; this is how INT64_MIN can be written.
        const Token& number = Advance();
        const int64_t value = number.int_value == uint64_t{1} << 63
                                  ? std::numeric_limits<int64_t>::min()
                                  : -static_cast<int64_t>(number.int_value);
        return ParsePostfix(builder_.Literal(begin, number.end, value));
      }
      ExprPtr operand = ParseUnary();
      if (operand == nullptr) return nullptr;
      return CheckHeight(
          builder_.Unary(begin, UnaryOp::kNegate, std::move(operand)));
    }
    return ParsePostfix(ParsePrimary());
  }

  bool ParseArgs(TokenKind close, std::vector<std::unique_ptr<const Expr>>* out,
                 bool allow_trailing_comma) {
    if (Accept(close)) return true;
    while (true) {
      ExprPtr arg = ParseExpr();
      if (arg == nullptr) return false;
      out->push_back(std::move(arg));
      if (Accept(close)) return true;
      if (!Accept(TokenKind::kComma)) {
        Fail(Peek(), absl::StrCat("expected ',' or ", TokenKindName(close),
                                  ", found ", Describe(Peek())));
        return false;
      }
      if (allow_trailing_comma && Accept(close)) return true;
    }
  }

  int PreviousEnd() const { return tokens_[pos_ == 0 ? 0 : pos_ - 1].end; }

  ExprPtr ParsePostfix(ExprPtr e) {
    while (e != nullptr) {
      if (Peek().kind == TokenKind::kLeftBracket) {
        return Fail(Peek(),
                    "indexing with [] is not supported; use "
                    "exists(), all() or 'in'");
      }
      if (!Accept(TokenKind::kDot)) break;
      if (Peek().kind != TokenKind::kIdentifier) {
        return Fail(Peek(), absl::StrCat("expected a field name after '.', "
                                         "found ",
                                         Describe(Peek())));
      }
      const Token& name = Advance();
      if (Accept(TokenKind::kLeftParen)) {
        std::vector<std::unique_ptr<const Expr>> args;
        if (!ParseArgs(TokenKind::kRightParen, &args, false)) return nullptr;
        const int begin = e->begin();
        e = CheckHeight(builder_.Call(begin, name.begin, PreviousEnd(),
                                      name.text, std::move(e),
                                      std::move(args)));
      } else {
        e = CheckHeight(
            builder_.Select(std::move(e), name.begin, name.end, name.text));
      }
    }
    return e;
  }

  ExprPtr ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kIdentifier: {
        const Token& name = Advance();
        if (Accept(TokenKind::kLeftParen)) {
          std::vector<std::unique_ptr<const Expr>> args;
          if (!ParseArgs(TokenKind::kRightParen, &args, false)) return nullptr;
          return CheckHeight(builder_.Call(name.begin, name.begin,
                                           PreviousEnd(), name.text, nullptr,
                                           std::move(args)));
        }
        return builder_.Ident(name.begin, name.end, name.text);
      }
      case TokenKind::kInt: {
        const Token& number = Advance();
        if (number.int_value >
            static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return Fail(number, "integer literal out of range for int64");
        }
        return builder_.Literal(number.begin, number.end,
                                static_cast<int64_t>(number.int_value));
      }
      case TokenKind::kString: {
        const Token& s = Advance();
        return builder_.Literal(s.begin, s.end, s.text);
      }
      case TokenKind::kTrue:
      case TokenKind::kFalse: {
        const Token& b = Advance();
        return builder_.Literal(b.begin, b.end, b.kind == TokenKind::kTrue);
      }
      case TokenKind::kLeftParen: {
        const int begin = Advance().begin;
        ExprPtr inner = Expect(TokenKind::kRightParen, ParseExpr(),
                               "to close the parenthesis");
        if (inner != nullptr)
          ExprBuilder::SetSpan(*inner, begin, PreviousEnd());
        return inner;
      }
      case TokenKind::kLeftBracket: {
        const int begin = Advance().begin;
        std::vector<std::unique_ptr<const Expr>> elements;
        if (!ParseArgs(TokenKind::kRightBracket, &elements, true)) {
          return nullptr;
        }
        if (elements.size() > kMaxListElements) {
          return Fail(
              t, absl::StrCat("a list literal has at most ", kMaxListElements,
                              " elements; this one has ", elements.size()));
        }
        return CheckHeight(
            builder_.List(begin, PreviousEnd(), std::move(elements)));
      }
      case TokenKind::kNull:
        return Fail(t,
                    "'null' is not supported; use has() to test whether "
                    "a field is set");
      case TokenKind::kEnd:
        return Fail(t, "expected an expression, found the end of the text");
      default:
        return Fail(
            t, absl::StrCat("expected an expression, found ", Describe(t)));
    }
  }

  std::vector<Token> tokens_;
  std::vector<ExprIssue>* issues_;
  ExprBuilder builder_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
};

}  // namespace

std::unique_ptr<const Ast> Parse(std::string_view text,
                                 std::vector<ExprIssue>* issues) {
  if (text.size() > kMaxExpressionBytes) {
    issues->push_back({0, absl::StrCat("expression longer than ",
                                       kMaxExpressionBytes, " bytes")});
    return nullptr;
  }
  const size_t issues_before = issues->size();
  Parser parser(Lex(text, issues), issues);
  ExprPtr root = parser.Run();
  if (root == nullptr || issues->size() != issues_before) return nullptr;
  return std::make_unique<const Ast>(std::string(text), std::move(root),
                                     parser.node_count());
}

}  // namespace refund::expr

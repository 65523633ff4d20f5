#include "engine/expr/ast.h"

#include <algorithm>

namespace refund::expr {

const char* BinaryOpSpelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAnd:
      return "&&";
    case BinaryOp::kOr:
      return "||";
    case BinaryOp::kEqual:
      return "==";
    case BinaryOp::kNotEqual:
      return "!=";
    case BinaryOp::kLess:
      return "<";
    case BinaryOp::kLessEqual:
      return "<=";
    case BinaryOp::kGreater:
      return ">";
    case BinaryOp::kGreaterEqual:
      return ">=";
    case BinaryOp::kIn:
      return "in";
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSubtract:
      return "-";
    case BinaryOp::kMultiply:
      return "*";
    case BinaryOp::kDivide:
      return "/";
    case BinaryOp::kModulo:
      return "%";
  }
  return "?";
}

std::unique_ptr<Expr> ExprBuilder::New(ExprKind kind, int begin, int end,
                                       int anchor) {
  std::unique_ptr<Expr> e(new Expr());
  e->id_ = next_id_++;
  e->kind_ = kind;
  e->begin_ = begin;
  e->end_ = end;
  e->anchor_ = anchor;
  return e;
}

std::unique_ptr<Expr> ExprBuilder::Finish(std::unique_ptr<Expr> e) {
  for (const auto& child : e->children_) {
    e->height_ = std::max(e->height_, child->height_ + 1);
  }
  return e;
}

std::unique_ptr<Expr> ExprBuilder::Literal(int begin, int end, int64_t value) {
  auto e = New(ExprKind::kLiteral, begin, end, begin);
  e->literal_kind_ = LiteralKind::kInt;
  e->int_value_ = value;
  return e;
}

std::unique_ptr<Expr> ExprBuilder::Literal(int begin, int end, bool value) {
  auto e = New(ExprKind::kLiteral, begin, end, begin);
  e->literal_kind_ = LiteralKind::kBool;
  e->bool_value_ = value;
  return e;
}

std::unique_ptr<Expr> ExprBuilder::Literal(int begin, int end,
                                           std::string value) {
  auto e = New(ExprKind::kLiteral, begin, end, begin);
  e->literal_kind_ = LiteralKind::kString;
  e->name_ = std::move(value);
  return e;
}

std::unique_ptr<Expr> ExprBuilder::Ident(int begin, int end, std::string name) {
  auto e = New(ExprKind::kIdent, begin, end, begin);
  e->name_ = std::move(name);
  return e;
}

std::unique_ptr<Expr> ExprBuilder::Select(std::unique_ptr<const Expr> operand,
                                          int field_begin, int end,
                                          std::string field) {
  auto e = New(ExprKind::kSelect, operand->begin(), end, field_begin);
  e->name_ = std::move(field);
  e->children_.push_back(std::move(operand));
  return Finish(std::move(e));
}

std::unique_ptr<Expr> ExprBuilder::Call(
    int begin, int name_begin, int end, std::string function,
    std::unique_ptr<const Expr> target,
    std::vector<std::unique_ptr<const Expr>> args) {
  auto e = New(ExprKind::kCall, begin, end, name_begin);
  e->name_ = std::move(function);
  if (target != nullptr) {
    e->has_target_ = true;
    e->children_.push_back(std::move(target));
  }
  for (auto& arg : args) e->children_.push_back(std::move(arg));
  return Finish(std::move(e));
}

std::unique_ptr<Expr> ExprBuilder::List(
    int begin, int end, std::vector<std::unique_ptr<const Expr>> elements) {
  auto e = New(ExprKind::kList, begin, end, begin);
  e->children_ = std::move(elements);
  return Finish(std::move(e));
}

std::unique_ptr<Expr> ExprBuilder::Unary(int begin, UnaryOp op,
                                         std::unique_ptr<const Expr> operand) {
  auto e = New(ExprKind::kUnary, begin, operand->end(), begin);
  e->unary_op_ = op;
  e->children_.push_back(std::move(operand));
  return Finish(std::move(e));
}

std::unique_ptr<Expr> ExprBuilder::Binary(BinaryOp op, int op_begin,
                                          std::unique_ptr<const Expr> lhs,
                                          std::unique_ptr<const Expr> rhs) {
  auto e = New(ExprKind::kBinary, lhs->begin(), rhs->end(), op_begin);
  e->binary_op_ = op;
  e->children_.push_back(std::move(lhs));
  e->children_.push_back(std::move(rhs));
  return Finish(std::move(e));
}

std::unique_ptr<Expr> ExprBuilder::Ternary(
    int question_begin, std::unique_ptr<const Expr> cond,
    std::unique_ptr<const Expr> then_expr,
    std::unique_ptr<const Expr> else_expr) {
  auto e =
      New(ExprKind::kTernary, cond->begin(), else_expr->end(), question_begin);
  e->children_.push_back(std::move(cond));
  e->children_.push_back(std::move(then_expr));
  e->children_.push_back(std::move(else_expr));
  return Finish(std::move(e));
}

void ExprBuilder::SetSpan(Expr& e, int begin, int end) {
  e.begin_ = begin;
  e.end_ = end;
}

}  // namespace refund::expr

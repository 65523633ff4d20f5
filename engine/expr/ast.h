// The syntax tree of one expression: built by the parser, then only read
// (by the checker, the compiler and the lint analysis). Nodes are immutable
// once the parser hands out the tree.
#ifndef ENGINE_EXPR_AST_H_
#define ENGINE_EXPR_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace refund::expr {

enum class ExprKind {
  kLiteral,  // 42, true, "text"
  kIdent,    // request, REASON_NO_REASON, small_compensation_cap, x
  kSelect,   // operand.field
  kCall,     // f(args) or target.f(args)
  kList,     // [a, b]
  kUnary,    // !a, -a
  kBinary,   // a op b
  kTernary,  // c ? a : b
};

enum class LiteralKind { kInt, kBool, kString };

enum class UnaryOp { kNot, kNegate };

enum class BinaryOp {
  kAnd,
  kOr,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kIn,
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
};

// The operator's spelling ("&&", "in").
const char* BinaryOpSpelling(BinaryOp op);

class Expr {
 public:
  // Unique in the tree, in [0, node count): indexes the checker's side
  // tables.
  int id() const { return id_; }
  ExprKind kind() const { return kind_; }
  // [begin, end) byte span of the whole sub-expression in the text.
  int begin() const { return begin_; }
  int end() const { return end_; }
  // Where messages about this node point: the operator of a unary, binary or
  // ternary node, the field name of a select, the function name of a call,
  // else begin().
  int anchor() const { return anchor_; }

  LiteralKind literal_kind() const { return literal_kind_; }
  int64_t int_value() const { return int_value_; }
  bool bool_value() const { return bool_value_; }
  // kLiteral string value; kIdent name; kSelect field name; kCall function.
  const std::string& name() const { return name_; }
  UnaryOp unary_op() const { return unary_op_; }
  BinaryOp binary_op() const { return binary_op_; }
  // 1 for a leaf, else 1 + the largest child height.
  int height() const { return height_; }
  // kCall written as `target.f(args)`: children()[0] is the target.
  bool has_target() const { return has_target_; }

  // kSelect: {operand}; kCall: {target?, args...}; kList: elements;
  // kUnary: {operand}; kBinary: {lhs, rhs}; kTernary: {cond, then, else}.
  const std::vector<std::unique_ptr<const Expr>>& children() const {
    return children_;
  }
  const Expr& child(size_t i) const { return *children_[i]; }
  // kCall: the arguments without the target.
  size_t arg_count() const { return children_.size() - (has_target_ ? 1 : 0); }
  const Expr& arg(size_t i) const {
    return *children_[i + (has_target_ ? 1 : 0)];
  }

 private:
  friend class ExprBuilder;
  Expr() = default;

  int id_ = 0;
  ExprKind kind_ = ExprKind::kLiteral;
  int begin_ = 0;
  int end_ = 0;
  int anchor_ = 0;
  LiteralKind literal_kind_ = LiteralKind::kInt;
  int64_t int_value_ = 0;
  bool bool_value_ = false;
  std::string name_;
  UnaryOp unary_op_ = UnaryOp::kNot;
  BinaryOp binary_op_ = BinaryOp::kAnd;
  bool has_target_ = false;
  int height_ = 1;
  std::vector<std::unique_ptr<const Expr>> children_;
};

// The only way to make nodes (used by the parser and by tests). Gives each
// node the next id.
class ExprBuilder {
 public:
  std::unique_ptr<Expr> Literal(int begin, int end, int64_t value);
  std::unique_ptr<Expr> Literal(int begin, int end, bool value);
  std::unique_ptr<Expr> Literal(int begin, int end, std::string value);
  std::unique_ptr<Expr> Ident(int begin, int end, std::string name);
  std::unique_ptr<Expr> Select(std::unique_ptr<const Expr> operand,
                               int field_begin, int end, std::string field);
  std::unique_ptr<Expr> Call(int begin, int name_begin, int end,
                             std::string function,
                             std::unique_ptr<const Expr> target,
                             std::vector<std::unique_ptr<const Expr>> args);
  std::unique_ptr<Expr> List(int begin, int end,
                             std::vector<std::unique_ptr<const Expr>> elements);
  std::unique_ptr<Expr> Unary(int begin, UnaryOp op,
                              std::unique_ptr<const Expr> operand);
  std::unique_ptr<Expr> Binary(BinaryOp op, int op_begin,
                               std::unique_ptr<const Expr> lhs,
                               std::unique_ptr<const Expr> rhs);
  std::unique_ptr<Expr> Ternary(int question_begin,
                                std::unique_ptr<const Expr> cond,
                                std::unique_ptr<const Expr> then_expr,
                                std::unique_ptr<const Expr> else_expr);
  // Widens a node's span to include enclosing parentheses.
  static void SetSpan(Expr& e, int begin, int end);

  int node_count() const { return next_id_; }

 private:
  std::unique_ptr<Expr> New(ExprKind kind, int begin, int end, int anchor);
  static std::unique_ptr<Expr> Finish(std::unique_ptr<Expr> e);
  int next_id_ = 0;
};

// A parsed expression: its text and tree.
class Ast {
 public:
  Ast(std::string text, std::unique_ptr<const Expr> root, int node_count)
      : text_(std::move(text)),
        root_(std::move(root)),
        node_count_(node_count) {}
  const std::string& text() const { return text_; }
  const Expr& root() const { return *root_; }
  int node_count() const { return node_count_; }
  // The source text of a node.
  std::string_view Text(const Expr& e) const {
    return std::string_view(text_).substr(e.begin(), e.end() - e.begin());
  }

 private:
  std::string text_;
  std::unique_ptr<const Expr> root_;
  int node_count_;
};

}  // namespace refund::expr

#endif  // ENGINE_EXPR_AST_H_

// The public face of the policy expression language: compile a condition or
// an amount once when a bundle loads, evaluate it on every request.
//
//   Environment env(v1::RefundRequest::descriptor(), "request", calendar);
//   RETURN_IF_ERROR(env.AddConstant("small_compensation_cap",
//                                   ConstantValue::Money(500)));
//   std::vector<ExprIssue> issues;
//   auto when = Expression::Compile("request.reason == REASON_NO_REASON",
//                                   env, Expect::kBool, &issues);
//   absl::StatusOr<bool> matched = (*when)->EvaluateBool(request);
//
// The language is documented for policy authors in policies/README.md.
#ifndef ENGINE_EXPR_EXPRESSION_H_
#define ENGINE_EXPR_EXPRESSION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/expr/calendar.h"     // CalendarConfig
#include "engine/expr/environment.h"  // ConstantValue, Environment
#include "engine/expr/issue.h"        // ExprIssue
#include "engine/expr/program.h"
#include "engine/expr/types.h"  // ValueKind
#include "google/protobuf/message.h"

namespace refund::expr {

// The result type an expression must have.
enum class Expect { kAny, kBool, kMoney };

// A compiled expression. Immutable; every method is const and thread-safe.
class Expression {
 public:
  // Parses, type-checks and compiles `text` against `env` (which is only read
  // during the call). On success the result is ready to evaluate. Otherwise
  // every mistake found is appended to `issues` (may be null) with its byte
  // offset in `text` — all lexical errors, the first syntax error, all type
  // errors, constant sub-expressions that cannot be computed (1/0), and a
  // result type other than `expect` — and INVALID_ARGUMENT is returned,
  // whose message lists them too.
  static absl::StatusOr<std::shared_ptr<const Expression>> Compile(
      std::string_view text, const Environment& env, Expect expect,
      std::vector<ExprIssue>* issues);

  // For a bundle's named constants: compiles `text`, which must not read the
  // root (an issue at the first place it does), and evaluates it. Errors as
  // for Compile.
  static absl::StatusOr<ConstantValue> CompileConstant(
      std::string_view text, const Environment& env,
      std::vector<ExprIssue>* issues);

  Expression(const Expression&) = delete;
  Expression& operator=(const Expression&) = delete;

  const std::string& text() const;
  ValueKind result_kind() const;
  // False for a constant expression (it names neither the root nor a helper
  // that reads it).
  bool reads_root() const;

  // Evaluate against `root`, which must be of the environment's root type
  // (INVALID_ARGUMENT otherwise). An evaluation error (integer overflow,
  // division by zero, a helper that needs an unset time) is a non-OK status
  // whose message names the failing sub-expression, e.g.
  // "integer overflow in `request.order.paid_amount * 100000000000`".
  // Never crashes, never turns an error into false.
  // EvaluateBool / EvaluateMoney: FAILED_PRECONDITION when result_kind() is
  // not kBool / kMoney. Money is returned in minor units.
  absl::StatusOr<bool> EvaluateBool(
      const google::protobuf::Message& root) const;
  absl::StatusOr<int64_t> EvaluateMoney(
      const google::protobuf::Message& root) const;
  // Any result kind but kMessage (FAILED_PRECONDITION).
  absl::StatusOr<ConstantValue> Evaluate(
      const google::protobuf::Message& root) const;
  // FAILED_PRECONDITION if reads_root().
  absl::StatusOr<ConstantValue> EvaluateConstant() const;

  // [begin, end) byte span in text(); value printed ("true",
  // "REASON_NO_REASON", "¥12.50", "2026-05-01T10:00:00+08:00", "72h",
  // "error: ...").
  struct TraceStep {
    int depth = 0;
    int begin = 0;
    int end = 0;
    std::string value;
  };
  // Every sub-expression's value, depth-first pre-order, for `refundctl
  // explain`. The compiled tree is traced, so a field path
  // (`request.order.delivered_at`) and a folded constant (`yuan(5)`) are one
  // step each, a chain `a && b && c` is one step with three children, and
  // the predicate of exists()/all() is not listed. Operands that
  // short-circuiting skipped are shown with the value they have.
  std::vector<TraceStep> Trace(const google::protobuf::Message& root) const;

  // Engine-internal: the compiled form (for the lint analysis).
  const Program& program() const { return *program_; }

 private:
  explicit Expression(std::unique_ptr<const Program> program);
  absl::StatusOr<ConstantValue> ToConstant(
      const Value& value, const google::protobuf::Message* root) const;

  std::unique_ptr<const Program> program_;
};

}  // namespace refund::expr

#endif  // ENGINE_EXPR_EXPRESSION_H_

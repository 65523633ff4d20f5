#include "engine/expr/expression.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/absl_compat.h"
#include "engine/base/status_macros.h"
#include "engine/expr/checker.h"
#include "engine/expr/compiler.h"
#include "engine/expr/parser.h"

namespace refund::expr {
namespace {

using google::protobuf::Message;

absl::Status IssuesError(std::string_view text,
                         const std::vector<ExprIssue>& issues, size_t first) {
  std::vector<ExprIssue> mine(issues.begin() + first, issues.end());
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid expression `", ToAbsl(text), "`: ", JoinIssues(mine)));
}

// Parse, check (with the result-type and constant rules) and compile.
// Returns null after adding issues.
std::unique_ptr<const Program> CompileProgram(std::string_view text,
                                              const Environment& env,
                                              Expect expect, bool constant,
                                              std::vector<ExprIssue>* issues) {
  const size_t before = issues->size();
  std::unique_ptr<const Ast> ast = Parse(text, issues);
  if (ast == nullptr) return nullptr;
  const CheckedAst checked = Check(*ast, env, issues);
  if (issues->size() != before) return nullptr;
  const Type& result = checked.type(ast->root());
  const int at = ast->root().begin();
  if (expect == Expect::kBool && result.kind() != ValueKind::kBool) {
    issues->push_back(
        {at, absl::StrCat("a condition must be bool, but this is ",
                          result.Name())});
  } else if (expect == Expect::kMoney && result.kind() != ValueKind::kMoney) {
    issues->push_back({at, absl::StrCat("an amount must be money, but this is ",
                                        result.Name(),
                                        result.kind() == ValueKind::kInt
                                            ? "; write yuan(n) or fen(n)"
                                            : "")});
  }
  if (result.kind() == ValueKind::kMessage && expect == Expect::kAny) {
    issues->push_back({at, absl::StrCat("the result cannot be a message (",
                                        result.Name(), ")")});
  }
  if (constant && checked.reads_root) {
    issues->push_back(
        {checked.first_root_read,
         absl::StrCat("a constant cannot read '", env.root_name(), "'")});
  }
  if (issues->size() != before) return nullptr;
  std::unique_ptr<const Node> tree = CompileTree(*ast, checked, issues);
  if (issues->size() != before) return nullptr;
  return std::make_unique<const Program>(
      std::string(text), std::move(tree), env.calendar(),
      env.compiled_calendar(), env.root_type(), checked.reads_root);
}

}  // namespace

Expression::Expression(std::unique_ptr<const Program> program)
    : program_(std::move(program)) {}

absl::StatusOr<std::shared_ptr<const Expression>> Expression::Compile(
    std::string_view text, const Environment& env, Expect expect,
    std::vector<ExprIssue>* issues) {
  std::vector<ExprIssue> local;
  std::vector<ExprIssue>* out = issues != nullptr ? issues : &local;
  const size_t before = out->size();
  std::unique_ptr<const Program> program =
      CompileProgram(text, env, expect, /*constant=*/false, out);
  if (program == nullptr) return IssuesError(text, *out, before);
  return std::shared_ptr<const Expression>(new Expression(std::move(program)));
}

absl::StatusOr<ConstantValue> Expression::CompileConstant(
    std::string_view text, const Environment& env,
    std::vector<ExprIssue>* issues) {
  std::vector<ExprIssue> local;
  std::vector<ExprIssue>* out = issues != nullptr ? issues : &local;
  const size_t before = out->size();
  std::unique_ptr<const Program> program =
      CompileProgram(text, env, Expect::kAny, /*constant=*/true, out);
  if (program == nullptr) return IssuesError(text, *out, before);
  const Expression expression(std::move(program));
  absl::StatusOr<ConstantValue> value = expression.EvaluateConstant();
  if (!value.ok()) {
    out->push_back({0, std::string(value.status().message())});
    return IssuesError(text, *out, before);
  }
  return value;
}

const std::string& Expression::text() const { return program_->text(); }

ValueKind Expression::result_kind() const { return program_->root().kind; }

bool Expression::reads_root() const { return program_->reads_root(); }

absl::StatusOr<bool> Expression::EvaluateBool(const Message& root) const {
  if (result_kind() != ValueKind::kBool) {
    return absl::FailedPreconditionError(absl::StrCat(
        "`", text(), "` is ", ValueKindName(result_kind()), ", not bool"));
  }
  ASSIGN_OR_RETURN(const Value v, program_->Evaluate(&root));
  return v.b;
}

absl::StatusOr<int64_t> Expression::EvaluateMoney(const Message& root) const {
  if (result_kind() != ValueKind::kMoney) {
    return absl::FailedPreconditionError(absl::StrCat(
        "`", text(), "` is ", ValueKindName(result_kind()), ", not money"));
  }
  ASSIGN_OR_RETURN(const Value v, program_->Evaluate(&root));
  return v.i;
}

absl::StatusOr<ConstantValue> Expression::Evaluate(const Message& root) const {
  ASSIGN_OR_RETURN(const Value v, program_->Evaluate(&root));
  return ToConstant(v, &root);
}

absl::StatusOr<ConstantValue> Expression::EvaluateConstant() const {
  if (reads_root()) {
    return absl::FailedPreconditionError(
        absl::StrCat("`", text(), "` reads the request; it is not a constant"));
  }
  ASSIGN_OR_RETURN(const Value v, program_->Evaluate(nullptr));
  return ToConstant(v, nullptr);
}

namespace {

ConstantValue ScalarConstant(ValueKind kind,
                             const google::protobuf::EnumDescriptor* enum_type,
                             const Value& v) {
  ConstantValue c;
  c.kind = kind;
  switch (kind) {
    case ValueKind::kBool:
      c.bool_value = v.b;
      break;
    case ValueKind::kString:
      c.string_value = std::string(v.s);
      break;
    case ValueKind::kTimestamp:
      c.time_value = v.t;
      break;
    case ValueKind::kDuration:
      c.duration_value = v.d;
      break;
    case ValueKind::kEnum:
      c.enum_type = enum_type;
      c.int_value = v.i;
      break;
    default:
      c.int_value = v.i;
      break;
  }
  return c;
}

}  // namespace

absl::StatusOr<ConstantValue> Expression::ToConstant(
    const Value& value, const Message* root) const {
  const Node& node = program_->root();
  if (node.kind == ValueKind::kMessage) {
    return absl::FailedPreconditionError(
        absl::StrCat("`", text(), "` is a message, not a value"));
  }
  if (node.kind != ValueKind::kList) {
    return ScalarConstant(node.kind, node.enum_type, value);
  }
  if (node.element_kind == ValueKind::kMessage) {
    return absl::FailedPreconditionError(
        absl::StrCat("`", text(), "` is a list of messages, not a value"));
  }
  Frame frame;
  RETURN_IF_ERROR(program_->InitFrame(root, &frame));
  ConstantValue list;
  list.kind = ValueKind::kList;
  list.element_kind = node.element_kind;
  list.enum_type = node.enum_type;
  const int size = ListSize(value.list);
  for (int i = 0; i < size; ++i) {
    Value element;
    if (!ListElement(frame, value.list, i, node.element_kind, &element)) {
      return frame.error;
    }
    list.elements.push_back(
        ScalarConstant(node.element_kind, node.enum_type, element));
  }
  return list;
}

std::vector<Expression::TraceStep> Expression::Trace(
    const Message& root) const {
  std::vector<TraceStep> steps;
  for (Program::Step& step : program_->Trace(&root)) {
    steps.push_back({step.depth, step.begin, step.end, std::move(step.value)});
  }
  return steps;
}

}  // namespace refund::expr

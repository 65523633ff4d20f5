#include "engine/expr/checker.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/base/absl_compat.h"
#include "engine/expr/program.h"

namespace refund::expr {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Optimal string alignment distance: edits plus adjacent transpositions
// ("itme" -> "item" is one).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1,
                                     std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// " (did you mean 'order'?)" for the closest candidate, or "".
std::string DidYouMean(std::string_view name,
                       const std::vector<std::string_view>& candidates) {
  const size_t limit = name.size() <= 4 ? 1 : (name.size() <= 8 ? 2 : 3);
  std::string_view best;
  size_t best_distance = limit + 1;
  for (std::string_view candidate : candidates) {
    const size_t d = EditDistance(name, candidate);
    if (d < best_distance || (d == best_distance && candidate < best)) {
      best = candidate;
      best_distance = d;
    }
  }
  if (best_distance > limit) return "";
  return absl::StrCat(" (did you mean '", ToAbsl(best), "'?)");
}

bool IsEquatable(const Type& t) {
  switch (t.kind()) {
    case ValueKind::kBool:
    case ValueKind::kInt:
    case ValueKind::kString:
    case ValueKind::kEnum:
    case ValueKind::kMoney:
    case ValueKind::kTimestamp:
    case ValueKind::kDuration:
      return !t.is_dyn();
    default:
      return false;
  }
}

bool IsOrdered(const Type& t) {
  switch (t.kind()) {
    case ValueKind::kInt:
    case ValueKind::kString:
    case ValueKind::kMoney:
    case ValueKind::kTimestamp:
    case ValueKind::kDuration:
      return !t.is_dyn();
    default:
      return false;
  }
}

bool IsMoneyAndInt(const Type& a, const Type& b) {
  return (a.kind() == ValueKind::kMoney && b.kind() == ValueKind::kInt) ||
         (a.kind() == ValueKind::kInt && b.kind() == ValueKind::kMoney);
}

class Checker {
 public:
  Checker(const Ast& ast, const Environment& env,
          std::vector<ExprIssue>* issues)
      : ast_(ast), env_(env), issues_(issues) {
    result_.types.resize(ast.node_count(), Type::Error());
    result_.references.resize(ast.node_count());
  }

  CheckedAst Run() && {
    Visit(ast_.root());
    return std::move(result_);
  }

 private:
  struct Variable {
    std::string name;
    Type type;
    int slot;
  };

  Type Issue(int offset, std::string message) {
    issues_->push_back({offset, std::move(message)});
    return Type::Error();
  }

  Reference& Ref(const Expr& e) { return result_.references[e.id()]; }

  void NoteRootRead(const Expr& e) {
    if (!result_.reads_root) result_.first_root_read = e.begin();
    result_.reads_root = true;
  }

  Type Visit(const Expr& e) {
    Type t = VisitKind(e);
    result_.types[e.id()] = t;
    return t;
  }

  Type VisitKind(const Expr& e) {
    switch (e.kind()) {
      case ExprKind::kLiteral:
        switch (e.literal_kind()) {
          case LiteralKind::kInt:
            return Type::Int();
          case LiteralKind::kBool:
            return Type::Bool();
          case LiteralKind::kString:
            return Type::String();
        }
        return Type::Error();
      case ExprKind::kIdent:
        return VisitIdent(e);
      case ExprKind::kSelect:
        return VisitSelect(e);
      case ExprKind::kCall:
        return VisitCall(e);
      case ExprKind::kList:
        return VisitList(e);
      case ExprKind::kUnary:
        return VisitUnary(e);
      case ExprKind::kBinary:
        return VisitBinary(e);
      case ExprKind::kTernary:
        return VisitTernary(e);
    }
    return Type::Error();
  }

  Type VisitIdent(const Expr& e) {
    const std::string& name = e.name();
    for (auto it = scope_.rbegin(); it != scope_.rend(); ++it) {
      if (it->name == name) {
        Ref(e).kind = Reference::Kind::kVariable;
        Ref(e).slot = it->slot;
        return it->type;
      }
    }
    if (name == env_.root_name()) {
      Ref(e).kind = Reference::Kind::kRoot;
      NoteRootRead(e);
      return Type::Message(env_.root_type());
    }
    if (const ConstantValue* c = env_.FindConstant(name)) {
      Ref(e).kind = Reference::Kind::kConstant;
      Ref(e).constant = c;
      return TypeOfConstant(*c);
    }
    if (const auto* value = env_.FindEnumValue(name)) {
      Ref(e).kind = Reference::Kind::kEnumValue;
      Ref(e).enum_value = value;
      return Type::Enum(value->type());
    }
    if (FindHelper(name) != nullptr || IsMacroName(name)) {
      return Issue(e.anchor(),
                   absl::StrCat("'", name, "' is a function; call it as ", name,
                                "(...)"));
    }
    std::vector<std::string_view> candidates = env_.EnumValueNames();
    for (std::string_view c : env_.ConstantNames()) candidates.push_back(c);
    for (const Variable& v : scope_) candidates.push_back(v.name);
    candidates.push_back(env_.root_name());
    return Issue(e.anchor(), absl::StrCat("unknown identifier '", name, "'",
                                          DidYouMean(name, candidates)));
  }

  Type VisitSelect(const Expr& e) {
    const Type operand = Visit(e.child(0));
    if (operand.is_error()) return Type::Error();
    const std::string& name = e.name();
    switch (operand.kind()) {
      case ValueKind::kMessage: {
        const Descriptor* message = operand.message_type();
        const FieldDescriptor* field = message->FindFieldByName(name);
        if (field == nullptr) {
          std::vector<std::string_view> names;
          for (int i = 0; i < message->field_count(); ++i) {
            names.push_back(message->field(i)->name());
          }
          return Issue(e.anchor(), absl::StrCat("unknown field '", name,
                                                "' in ", message->full_name(),
                                                DidYouMean(name, names)));
        }
        absl::StatusOr<Type> type = TypeOfField(field);
        if (!type.ok()) {
          return Issue(e.anchor(), std::string(type.status().message()));
        }
        Ref(e).kind = Reference::Kind::kField;
        Ref(e).field = field;
        return *type;
      }
      case ValueKind::kList:
        return Issue(
            e.anchor(),
            absl::StrCat("cannot select field '", name, "' of a ",
                         operand.Name(), "; use exists(), all() or size()"));
      case ValueKind::kMoney:
        return Issue(e.anchor(),
                     absl::StrCat("money has no field '", name,
                                  "'; compare amounts directly, e.g. "
                                  "request.requested_amount <= yuan(5)"));
      default:
        return Issue(e.anchor(), absl::StrCat(operand.Name(), " has no field '",
                                              name, "'"));
    }
  }

  Type VisitList(const Expr& e) {
    Type element = Type::Dyn();
    bool error = false;
    for (const auto& child : e.children()) {
      const Type t = Visit(*child);
      if (t.is_error()) {
        error = true;
        continue;
      }
      if (t.kind() == ValueKind::kList || t.kind() == ValueKind::kMessage) {
        Issue(child->begin(), absl::StrCat("list elements must be scalar "
                                           "values, not ",
                                           t.Name()));
        error = true;
        continue;
      }
      if (element.is_dyn()) {
        element = t;
      } else if (!element.SameAs(t)) {
        Issue(child->begin(),
              absl::StrCat("list elements must all have the same type: ",
                           element.Name(), " and ", t.Name()));
        error = true;
      }
    }
    if (error) return Type::Error();
    return Type::List(element);
  }

  Type VisitUnary(const Expr& e) {
    const Type operand = Visit(e.child(0));
    if (operand.is_error()) return Type::Error();
    if (e.unary_op() == UnaryOp::kNot) {
      if (operand.kind() != ValueKind::kBool) {
        return Issue(e.anchor(), absl::StrCat("operator '!' needs a bool, got ",
                                              operand.Name()));
      }
      return Type::Bool();
    }
    switch (operand.kind()) {
      case ValueKind::kInt:
      case ValueKind::kMoney:
      case ValueKind::kDuration:
        return operand;
      default:
        return Issue(
            e.anchor(),
            absl::StrCat("operator '-' cannot be applied to ", operand.Name()));
    }
  }

  Type CompareIssue(const Expr& e, const Type& a, const Type& b) {
    std::string hint;
    if (IsMoneyAndInt(a, b)) {
      hint = "; write amounts as yuan(n) or fen(n)";
    } else if (a.kind() == ValueKind::kEnum || b.kind() == ValueKind::kEnum) {
      const Type& the_enum = a.kind() == ValueKind::kEnum ? a : b;
      if (the_enum.enum_type()->value_count() > 1) {
        hint = absl::StrCat("; use a value of ", the_enum.Name(), " such as ",
                            the_enum.enum_type()->value(1)->name());
      }
    }
    return Issue(
        e.anchor(),
        absl::StrCat("cannot compare ", a.Name(), " with ", b.Name(),
                     " using '", BinaryOpSpelling(e.binary_op()), "'", hint));
  }

  Type Arithmetic(const Expr& e, const Type& a, const Type& b) {
    const ValueKind x = a.kind();
    const ValueKind y = b.kind();
    using K = ValueKind;
    switch (e.binary_op()) {
      case BinaryOp::kAdd:
        if (x == K::kInt && y == K::kInt) return Type::Int();
        if (x == K::kMoney && y == K::kMoney) return Type::Money();
        if (x == K::kTimestamp && y == K::kDuration) return Type::Timestamp();
        if (x == K::kDuration && y == K::kTimestamp) return Type::Timestamp();
        if (x == K::kDuration && y == K::kDuration) return Type::Duration();
        break;
      case BinaryOp::kSubtract:
        if (x == K::kInt && y == K::kInt) return Type::Int();
        if (x == K::kMoney && y == K::kMoney) return Type::Money();
        if (x == K::kTimestamp && y == K::kTimestamp) return Type::Duration();
        if (x == K::kTimestamp && y == K::kDuration) return Type::Timestamp();
        if (x == K::kDuration && y == K::kDuration) return Type::Duration();
        break;
      case BinaryOp::kMultiply:
        if (x == K::kInt && y == K::kInt) return Type::Int();
        if (x == K::kMoney && y == K::kInt) return Type::Money();
        if (x == K::kInt && y == K::kMoney) return Type::Money();
        break;
      case BinaryOp::kDivide:
        if (x == K::kInt && y == K::kInt) return Type::Int();
        if (x == K::kMoney && y == K::kInt) return Type::Money();
        break;
      case BinaryOp::kModulo:
        if (x == K::kInt && y == K::kInt) return Type::Int();
        break;
      default:
        break;
    }
    return Issue(
        e.anchor(),
        absl::StrCat(
            "operator '", BinaryOpSpelling(e.binary_op()),
            "' cannot be applied to ", a.Name(), " and ", b.Name(),
            IsMoneyAndInt(a, b) ? "; write amounts as yuan(n) or fen(n)" : ""));
  }

  Type VisitBinary(const Expr& e) {
    const Type a = Visit(e.child(0));
    const Type b = Visit(e.child(1));
    if (a.is_error() || b.is_error()) return Type::Error();
    const char* op = BinaryOpSpelling(e.binary_op());
    switch (e.binary_op()) {
      case BinaryOp::kAnd:
      case BinaryOp::kOr:
        if (a.kind() != ValueKind::kBool || b.kind() != ValueKind::kBool) {
          return Issue(e.anchor(), absl::StrCat("operator '", op,
                                                "' needs bool operands, got ",
                                                a.Name(), " and ", b.Name()));
        }
        return Type::Bool();
      case BinaryOp::kEqual:
      case BinaryOp::kNotEqual:
        if (!a.SameAs(b) || !IsEquatable(a)) return CompareIssue(e, a, b);
        return Type::Bool();
      case BinaryOp::kLess:
      case BinaryOp::kLessEqual:
      case BinaryOp::kGreater:
      case BinaryOp::kGreaterEqual:
        if (a.SameAs(b) && !IsOrdered(a) && IsEquatable(a)) {
          return Issue(e.anchor(), absl::StrCat(a.Name(),
                                                " values are not ordered; "
                                                "'",
                                                op,
                                                "' needs int, money, "
                                                "timestamp, duration or "
                                                "string"));
        }
        if (!a.SameAs(b) || !IsOrdered(a)) return CompareIssue(e, a, b);
        return Type::Bool();
      case BinaryOp::kIn:
        if (b.kind() != ValueKind::kList) {
          return Issue(e.anchor(),
                       absl::StrCat("right operand of 'in' must be a list, "
                                    "got ",
                                    b.Name()));
        }
        if (!IsEquatable(a) || !a.SameAs(b.element())) {
          return Issue(e.anchor(), absl::StrCat("cannot look for ", a.Name(),
                                                " in a ", b.Name()));
        }
        return Type::Bool();
      default:
        return Arithmetic(e, a, b);
    }
  }

  Type VisitTernary(const Expr& e) {
    const Type cond = Visit(e.child(0));
    const Type a = Visit(e.child(1));
    const Type b = Visit(e.child(2));
    if (cond.is_error() || a.is_error() || b.is_error()) return Type::Error();
    if (cond.kind() != ValueKind::kBool) {
      return Issue(e.anchor(), absl::StrCat("condition of '?:' must be bool, "
                                            "got ",
                                            cond.Name()));
    }
    if (!a.SameAs(b)) {
      return Issue(e.anchor(),
                   absl::StrCat("branches of '?:' have different types: ",
                                a.Name(), " and ", b.Name()));
    }
    if (a.kind() == ValueKind::kList && a.element().is_dyn()) return b;
    return a;
  }

  Type VisitCall(const Expr& e) {
    const std::string& name = e.name();
    if (name == "has") return VisitHas(e);
    if (name == "size") return VisitSize(e);
    if (name == "exists" || name == "all") return VisitComprehension(e);
    const HelperSpec* helper = FindHelper(name);
    if (helper == nullptr) {
      for (const auto& child : e.children()) Visit(*child);
      std::vector<std::string_view> names = {"has", "size", "exists", "all"};
      for (const HelperSpec& h : AllHelpers()) names.push_back(h.name);
      return Issue(
          e.anchor(),
          absl::StrCat("unknown ", e.has_target() ? "method '" : "function '",
                       name, "'", DidYouMean(name, names)));
    }
    if (e.has_target()) {
      Visit(e.child(0));
      return Issue(e.anchor(), absl::StrCat(name,
                                            "() is not a method; call it "
                                            "as ",
                                            name, "(...)"));
    }
    std::vector<Type> args;
    bool error = false;
    for (const auto& child : e.children()) {
      args.push_back(Visit(*child));
      error |= args.back().is_error();
    }
    if (helper->reads_request) {
      NoteRootRead(e);
      if (env_.root_type()->full_name() != "refund.v1.RefundRequest") {
        return Issue(e.anchor(), absl::StrCat(name,
                                              "() needs the root to be a "
                                              "refund.v1.RefundRequest"));
      }
    }
    if (error) return Type::Error();
    for (const HelperOverload& overload : helper->overloads) {
      if (overload.params.size() != args.size()) continue;
      bool match = true;
      for (size_t i = 0; i < args.size(); ++i) {
        match &= args[i].SameAs(overload.params[i]) && !args[i].is_dyn();
      }
      if (match) {
        Ref(e).kind = Reference::Kind::kHelper;
        Ref(e).helper = &overload;
        return overload.result;
      }
    }
    std::vector<std::string> expected;
    for (const HelperOverload& overload : helper->overloads) {
      std::vector<std::string> params;
      for (const Type& p : overload.params) params.push_back(p.Name());
      expected.push_back(
          absl::StrCat(name, "(", absl::StrJoin(params, ", "), ")"));
    }
    std::vector<std::string> got;
    for (const Type& a : args) got.push_back(a.Name());
    return Issue(
        e.anchor(),
        absl::StrCat("no matching call ", name, "(", absl::StrJoin(got, ", "),
                     "); expected ", absl::StrJoin(expected, " or ")));
  }

  Type VisitHas(const Expr& e) {
    if (e.has_target() || e.arg_count() != 1 ||
        e.arg(0).kind() != ExprKind::kSelect) {
      for (const auto& child : e.children()) Visit(*child);
      return Issue(e.anchor(),
                   "has() takes one field selection, e.g. "
                   "has(request.order.delivered_at)");
    }
    const Type t = Visit(e.arg(0));
    if (t.is_error()) return Type::Error();
    Ref(e).kind = Reference::Kind::kHas;
    Ref(e).field = result_.reference(e.arg(0)).field;
    return Type::Bool();
  }

  Type VisitSize(const Expr& e) {
    const size_t operands = e.children().size();
    if (operands != 1) {
      for (const auto& child : e.children()) Visit(*child);
      return Issue(e.anchor(),
                   "size() takes one list or string: size(x) or "
                   "x.size()");
    }
    const Type t = Visit(e.child(0));
    if (t.is_error()) return Type::Error();
    if (t.kind() != ValueKind::kList && t.kind() != ValueKind::kString) {
      return Issue(e.anchor(), absl::StrCat("size() needs a list or a "
                                            "string, got ",
                                            t.Name()));
    }
    Ref(e).kind = Reference::Kind::kSize;
    return Type::Int();
  }

  Type VisitComprehension(const Expr& e) {
    const std::string& name = e.name();
    if (!e.has_target() || e.arg_count() != 2 ||
        e.arg(0).kind() != ExprKind::kIdent) {
      for (const auto& child : e.children()) {
        if (child->kind() != ExprKind::kIdent) Visit(*child);
      }
      return Issue(e.anchor(), absl::StrCat(name, "() is written list.", name,
                                            "(x, predicate on x)"));
    }
    const Type range = Visit(e.child(0));
    const Expr& var = e.arg(0);
    // The predicate is checked even when the range is wrong, so that its own
    // mistakes are reported too; the variable is then of the error type.
    Type element = Type::Error();
    bool ok = false;
    if (range.is_error()) {
      // Already reported.
    } else if (range.kind() != ValueKind::kList) {
      Issue(e.anchor(),
            absl::StrCat(name, "() needs a list, got ", range.Name()));
    } else if (range.element().is_dyn()) {
      Issue(e.anchor(), absl::StrCat(name, "() over an empty list literal"));
    } else {
      element = range.element();
      ok = true;
    }
    if (var.name() == env_.root_name()) {
      Issue(var.begin(),
            absl::StrCat("'", var.name(), "' cannot be a variable name"));
      ok = false;
    }
    const int slot = static_cast<int>(scope_.size());
    if (slot >= kMaxComprehensionNesting) {
      return Issue(e.anchor(),
                   absl::StrCat("more than ", kMaxComprehensionNesting,
                                " nested exists()/all()"));
    }
    result_.types[var.id()] = element;
    scope_.push_back({var.name(), element, slot});
    const Type predicate = Visit(e.arg(1));
    scope_.pop_back();
    if (!ok || predicate.is_error()) return Type::Error();
    if (predicate.kind() != ValueKind::kBool) {
      return Issue(e.arg(1).begin(),
                   absl::StrCat("predicate of ", name, "() must be bool, got ",
                                predicate.Name()));
    }
    Ref(e).kind = Reference::Kind::kComprehension;
    Ref(e).slot = slot;
    return Type::Bool();
  }

  const Ast& ast_;
  const Environment& env_;
  std::vector<ExprIssue>* issues_;
  CheckedAst result_;
  std::vector<Variable> scope_;
};

}  // namespace

CheckedAst Check(const Ast& ast, const Environment& env,
                 std::vector<ExprIssue>* issues) {
  return Checker(ast, env, issues).Run();
}

}  // namespace refund::expr

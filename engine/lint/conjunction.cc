#include "engine/lint/conjunction.h"

#include <cstdint>
#include <limits>
#include <map>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/expr/functions.h"
#include "engine/expr/program.h"

namespace refund::expr {
namespace {

using Atom = ConjunctionAtom;

// The name a helper is called by, from its function pointer (every helper
// the checker binds is in AllHelpers(); any other stays distinct).
std::string HelperName(HelperFn fn) {
  for (const HelperSpec& spec : AllHelpers()) {
    for (const HelperOverload& overload : spec.overloads) {
      if (overload.fn == fn) return std::string(spec.name);
    }
  }
  return absl::StrCat("helper@", reinterpret_cast<uintptr_t>(fn));
}

const char* InfixOf(Op op) {
  switch (op) {
    case Op::kAnd:
      return " && ";
    case Op::kOr:
      return " || ";
    case Op::kEqual:
      return " == ";
    case Op::kNotEqual:
      return " != ";
    case Op::kLess:
      return " < ";
    case Op::kLessEqual:
      return " <= ";
    case Op::kGreater:
      return " > ";
    case Op::kGreaterEqual:
      return " >= ";
    case Op::kIn:
      return " in ";
    case Op::kAdd:
      return " + ";
    case Op::kSubtract:
      return " - ";
    case Op::kMultiply:
      return " * ";
    case Op::kDivide:
      return " / ";
    case Op::kModulo:
      return " % ";
    default:
      return nullptr;
  }
}

void AppendConstant(const Node& node, std::string* out) {
  switch (node.kind) {
    case ValueKind::kBool:
      out->append(node.constant.b ? "true" : "false");
      return;
    case ValueKind::kMoney:
      absl::StrAppend(out, "fen(", node.constant.i, ")");
      return;
    case ValueKind::kEnum: {
      const google::protobuf::EnumValueDescriptor* value =
          node.enum_type == nullptr ? nullptr
                                    : node.enum_type->FindValueByNumber(
                                          static_cast<int>(node.constant.i));
      if (value != nullptr && value->number() == node.constant.i) {
        out->append(value->name());
      } else {
        absl::StrAppend(
            out, node.enum_type == nullptr ? "enum" : node.enum_type->name(),
            "(", node.constant.i, ")");
      }
      return;
    }
    case ValueKind::kString:
      absl::StrAppend(out, "\"", absl::CEscape(node.string_constant), "\"");
      return;
    case ValueKind::kTimestamp:
      absl::StrAppend(out, "timestamp(\"",
                      absl::FormatTime(absl::RFC3339_full, node.constant.t,
                                       absl::UTCTimeZone()),
                      "\")");
      return;
    case ValueKind::kDuration:
      absl::StrAppend(out, "duration(\"", absl::FormatDuration(node.constant.d),
                      "\")");
      return;
    default:
      absl::StrAppend(out, node.constant.i);
      return;
  }
}

// The canonical text of a compiled sub-tree: the same for the same
// computation however it was spelt (spacing, comments, redundant
// parentheses, a named constant or its value, a comprehension variable's
// name), and fully parenthesised, so different computations never share it.
// Field paths of the root read as written canonically
// ("request.order.delivered_at"); a comprehension variable is `$` and its
// slot.
void AppendCanonical(const Program& program, const Node& node,
                     std::string* out) {
  switch (node.op) {
    case Op::kConstant:
      AppendConstant(node, out);
      return;
    case Op::kRoot:
      out->append(program.text().substr(node.begin, node.end - node.begin));
      return;
    case Op::kVariable:
      absl::StrAppend(out, "$", node.slot);
      return;
    case Op::kSelect:
    case Op::kHas:
      if (node.op == Op::kHas) out->append("has(");
      AppendCanonical(program, *node.children[0], out);
      for (const auto* field : node.path)
        absl::StrAppend(out, ".", field->name());
      if (node.op == Op::kHas) out->append(")");
      return;
    case Op::kList:
      out->append("[");
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) out->append(", ");
        AppendCanonical(program, *node.children[i], out);
      }
      out->append("]");
      return;
    case Op::kNot:
    case Op::kNegate:
      out->append(node.op == Op::kNot ? "!" : "-");
      AppendCanonical(program, *node.children[0], out);
      return;
    case Op::kTernary:
      out->append("(");
      AppendCanonical(program, *node.children[0], out);
      out->append(" ? ");
      AppendCanonical(program, *node.children[1], out);
      out->append(" : ");
      AppendCanonical(program, *node.children[2], out);
      out->append(")");
      return;
    case Op::kSize:
      out->append("size(");
      AppendCanonical(program, *node.children[0], out);
      out->append(")");
      return;
    case Op::kExists:
    case Op::kAll:
      AppendCanonical(program, *node.children[0], out);
      absl::StrAppend(out, node.op == Op::kExists ? ".exists($" : ".all($",
                      node.slot, ", ");
      AppendCanonical(program, *node.children[1], out);
      out->append(")");
      return;
    case Op::kCall:
      // min/max share one function for ints and money; the arguments tell
      // them apart (a money constant reads `fen(n)`).
      absl::StrAppend(out, HelperName(node.helper), "(");
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) out->append(", ");
        AppendCanonical(program, *node.children[i], out);
      }
      out->append(")");
      return;
    default: {
      const char* infix = InfixOf(node.op);
      out->append("(");
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) out->append(infix == nullptr ? ", " : infix);
        AppendCanonical(program, *node.children[i], out);
      }
      out->append(")");
      return;
    }
  }
}

// Whether `node` is a scalar field path of the root (canonical text: the
// path as written, "request.order.flags.urgent").
bool IsRootPath(const Node& node) {
  return node.op == Op::kSelect && node.read != FieldRead::kRepeated &&
         node.read != FieldRead::kMessage && node.children.size() == 1 &&
         node.children[0]->op == Op::kRoot;
}

// What an atom is about: a field path of the root or, opaquely, any other
// scalar sub-expression, by its canonical text.
void SetSubject(const Program& program, const Node& node, Atom* atom) {
  atom->path.clear();
  AppendCanonical(program, node, &atom->path);
  atom->opaque = !IsRootPath(node);
}

bool IsScalar(ValueKind kind) {
  return kind != ValueKind::kList && kind != ValueKind::kMessage;
}

ConstantValue ConstantOf(const Node& node) {
  ConstantValue c;
  c.kind = node.kind;
  c.enum_type = node.enum_type;
  switch (node.kind) {
    case ValueKind::kBool:
      c.bool_value = node.constant.b;
      break;
    case ValueKind::kString:
      c.string_value = node.string_constant;
      break;
    case ValueKind::kTimestamp:
      c.time_value = node.constant.t;
      break;
    case ValueKind::kDuration:
      c.duration_value = node.constant.d;
      break;
    default:
      c.int_value = node.constant.i;
      break;
  }
  return c;
}

Atom::Op Flip(Atom::Op op) {
  switch (op) {
    case Atom::Op::kLess:
      return Atom::Op::kGreater;
    case Atom::Op::kLessEqual:
      return Atom::Op::kGreaterEqual;
    case Atom::Op::kGreater:
      return Atom::Op::kLess;
    case Atom::Op::kGreaterEqual:
      return Atom::Op::kLessEqual;
    default:
      return op;
  }
}

std::optional<Atom::Op> CompareOp(Op op) {
  switch (op) {
    case Op::kEqual:
      return Atom::Op::kEqual;
    case Op::kNotEqual:
      return Atom::Op::kNotEqual;
    case Op::kLess:
      return Atom::Op::kLess;
    case Op::kLessEqual:
      return Atom::Op::kLessEqual;
    case Op::kGreater:
      return Atom::Op::kGreater;
    case Op::kGreaterEqual:
      return Atom::Op::kGreaterEqual;
    default:
      return std::nullopt;
  }
}

std::vector<Atom> Negate(const Atom& atom);

// The comparison `node` is, `subject OP literal` in either order or
// `subject in [literals]`, with a scalar non-constant subject; nullopt for
// any other shape.
std::optional<Atom> ComparisonOf(const Program& program, const Node& node) {
  Atom atom;
  atom.begin = node.begin;
  atom.end = node.end;
  if (node.op == Op::kIn) {
    const Node& subject = *node.children[0];
    const Node& list = *node.children[1];
    if (subject.op == Op::kConstant || !IsScalar(subject.kind) ||
        list.op != Op::kList) {
      return std::nullopt;
    }
    for (const auto& element : list.children) {
      if (element->op != Op::kConstant) return std::nullopt;
      atom.values.push_back(ConstantOf(*element));
    }
    SetSubject(program, subject, &atom);
    atom.op = Atom::Op::kIn;
    return atom;
  }
  std::optional<Atom::Op> op = CompareOp(node.op);
  if (!op.has_value()) return std::nullopt;
  const Node& lhs = *node.children[0];
  const Node& rhs = *node.children[1];
  if (rhs.op == Op::kConstant && lhs.op != Op::kConstant &&
      IsScalar(lhs.kind)) {
    SetSubject(program, lhs, &atom);
    atom.op = *op;
    atom.values.push_back(ConstantOf(rhs));
  } else if (lhs.op == Op::kConstant && rhs.op != Op::kConstant &&
             IsScalar(rhs.kind)) {
    SetSubject(program, rhs, &atom);
    atom.op = Flip(*op);
    atom.values.push_back(ConstantOf(lhs));
  } else {
    return std::nullopt;
  }
  return atom;
}

// Appends to `out` atoms whose conjunction is exactly `node` (or, with
// `negated`, `!node`): && chains (and !(a || b)) are split into their
// operands, comparisons become comparison atoms, and every other boolean
// sub-expression X becomes the opaque atom `X == true` (`X == false`).
// Soundness rests on two facts: a condition is true only when every conjunct
// evaluated to true (an evaluation error is no match), and a sub-expression
// evaluates to the same value wherever it occurs in the same request.
void AddAtoms(const Program& program, const Node& node, bool negated,
              Conjunction* out) {
  if (node.op == Op::kNot) {
    AddAtoms(program, *node.children[0], !negated, out);
    return;
  }
  if ((node.op == Op::kAnd && !negated) || (node.op == Op::kOr && negated)) {
    for (const auto& child : node.children) {
      AddAtoms(program, *child, negated, out);
    }
    return;
  }
  if (node.op == Op::kConstant && node.kind == ValueKind::kBool) {
    if (node.constant.b != negated) return;  // `true` adds nothing
    // `false`: the atom `false in []`, which nothing satisfies.
    Atom never;
    never.path = "false";
    never.opaque = true;
    never.op = Atom::Op::kIn;
    never.begin = node.begin;
    never.end = node.end;
    out->atoms.push_back(std::move(never));
    return;
  }
  if (std::optional<Atom> comparison = ComparisonOf(program, node)) {
    if (!negated) {
      out->atoms.push_back(*std::move(comparison));
      return;
    }
    for (Atom& atom : Negate(*comparison)) {
      atom.opaque = comparison->opaque;
      atom.begin = node.begin;
      atom.end = node.end;
      out->atoms.push_back(std::move(atom));
    }
    return;
  }
  Atom atom;
  atom.begin = node.begin;
  atom.end = node.end;
  SetSubject(program, node, &atom);
  atom.values.push_back(ConstantValue::Bool(!negated));
  out->atoms.push_back(std::move(atom));
}

bool IsIntLike(ValueKind kind) {
  return kind == ValueKind::kInt || kind == ValueKind::kMoney ||
         kind == ValueKind::kEnum || kind == ValueKind::kBool;
}

int64_t IntOf(const ConstantValue& v) {
  return v.kind == ValueKind::kBool ? (v.bool_value ? 1 : 0) : v.int_value;
}

int Compare(const ConstantValue& a, const ConstantValue& b) {
  if (IsIntLike(a.kind)) {
    const int64_t x = IntOf(a);
    const int64_t y = IntOf(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  switch (a.kind) {
    case ValueKind::kString:
      return a.string_value < b.string_value
                 ? -1
                 : (a.string_value > b.string_value ? 1 : 0);
    case ValueKind::kTimestamp:
      return a.time_value < b.time_value
                 ? -1
                 : (a.time_value > b.time_value ? 1 : 0);
    case ValueKind::kDuration:
      return a.duration_value < b.duration_value
                 ? -1
                 : (a.duration_value > b.duration_value ? 1 : 0);
    default:
      return 0;
  }
}

// What the atoms on one path allow.
class Domain {
 public:
  explicit Domain(ValueKind kind) : kind_(kind) {
    if (kind == ValueKind::kBool) {
      allowed_ = {ConstantValue::Bool(false), ConstantValue::Bool(true)};
      has_allowed_ = true;
    }
  }

  void Add(const Atom& atom) {
    switch (atom.op) {
      case Atom::Op::kEqual:
        Restrict({atom.values[0]});
        break;
      case Atom::Op::kIn:
        Restrict(atom.values);
        break;
      case Atom::Op::kNotEqual:
        excluded_.push_back(atom.values[0]);
        break;
      case Atom::Op::kLess:
        Upper(atom.values[0], true);
        break;
      case Atom::Op::kLessEqual:
        Upper(atom.values[0], false);
        break;
      case Atom::Op::kGreater:
        Lower(atom.values[0], true);
        break;
      case Atom::Op::kGreaterEqual:
        Lower(atom.values[0], false);
        break;
    }
  }

  bool Satisfiable() const {
    if (has_allowed_) {
      for (const ConstantValue& v : allowed_) {
        if (InBounds(v) && !Excluded(v)) return true;
      }
      return false;
    }
    if (IsIntLike(kind_)) return IntervalSatisfiable();
    if (lo_.has_value() && hi_.has_value()) {
      const int c = Compare(*lo_, *hi_);
      if (c > 0) return false;
      if (c == 0 && (lo_strict_ || hi_strict_ || Excluded(*lo_))) return false;
    }
    return true;
  }

 private:
  void Restrict(const std::vector<ConstantValue>& values) {
    if (!has_allowed_) {
      allowed_ = values;
      has_allowed_ = true;
      return;
    }
    std::vector<ConstantValue> kept;
    for (const ConstantValue& v : allowed_) {
      for (const ConstantValue& w : values) {
        if (Compare(v, w) == 0) {
          kept.push_back(v);
          break;
        }
      }
    }
    allowed_ = std::move(kept);
  }

  void Upper(const ConstantValue& v, bool strict) {
    if (!hi_.has_value() || Compare(v, *hi_) < 0 ||
        (Compare(v, *hi_) == 0 && strict)) {
      hi_ = v;
      hi_strict_ = strict;
    }
  }

  void Lower(const ConstantValue& v, bool strict) {
    if (!lo_.has_value() || Compare(v, *lo_) > 0 ||
        (Compare(v, *lo_) == 0 && strict)) {
      lo_ = v;
      lo_strict_ = strict;
    }
  }

  bool InBounds(const ConstantValue& v) const {
    if (lo_.has_value()) {
      const int c = Compare(v, *lo_);
      if (c < 0 || (c == 0 && lo_strict_)) return false;
    }
    if (hi_.has_value()) {
      const int c = Compare(v, *hi_);
      if (c > 0 || (c == 0 && hi_strict_)) return false;
    }
    return true;
  }

  bool Excluded(const ConstantValue& v) const {
    for (const ConstantValue& x : excluded_) {
      if (Compare(v, x) == 0) return true;
    }
    return false;
  }

  bool IntervalSatisfiable() const {
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    int64_t lo = kMin;
    int64_t hi = kMax;
    if (lo_.has_value()) {
      lo = IntOf(*lo_);
      if (lo_strict_) {
        if (lo == kMax) return false;
        ++lo;
      }
    }
    if (hi_.has_value()) {
      hi = IntOf(*hi_);
      if (hi_strict_) {
        if (hi == kMin) return false;
        --hi;
      }
    }
    if (lo > hi) return false;
    // Exact only when the excluded values could cover the whole interval.
    const uint64_t width =
        static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    if (width >= excluded_.size()) return true;
    for (int64_t v = lo;; ++v) {
      bool excluded = false;
      for (const ConstantValue& x : excluded_) excluded |= IntOf(x) == v;
      if (!excluded) return true;
      if (v == hi) return false;
    }
  }

  ValueKind kind_;
  bool has_allowed_ = false;
  std::vector<ConstantValue> allowed_;
  std::vector<ConstantValue> excluded_;
  std::optional<ConstantValue> lo_;
  bool lo_strict_ = false;
  std::optional<ConstantValue> hi_;
  bool hi_strict_ = false;
};

ValueKind KindOf(const Atom& atom) {
  return atom.values.empty() ? ValueKind::kInt : atom.values[0].kind;
}

bool AtomsSatisfiable(const std::vector<const Atom*>& atoms) {
  std::map<std::string, std::vector<const Atom*>> by_path;
  for (const Atom* atom : atoms) by_path[atom->path].push_back(atom);
  for (const auto& [path, on_path] : by_path) {
    // `x in []` can never hold, whatever the kind.
    ValueKind kind = ValueKind::kInt;
    for (const Atom* atom : on_path) {
      if (atom->op == Atom::Op::kIn && atom->values.empty()) return false;
      if (!atom->values.empty()) kind = KindOf(*atom);
    }
    Domain domain(kind);
    for (const Atom* atom : on_path) domain.Add(*atom);
    if (!domain.Satisfiable()) return false;
  }
  return true;
}

// not(atom) as a conjunction of atoms.
std::vector<Atom> Negate(const Atom& atom) {
  std::vector<Atom> out;
  auto one = [&](Atom::Op op, const ConstantValue& v) {
    Atom a;
    a.path = atom.path;
    a.op = op;
    a.values.push_back(v);
    out.push_back(std::move(a));
  };
  switch (atom.op) {
    case Atom::Op::kEqual:
      one(Atom::Op::kNotEqual, atom.values[0]);
      break;
    case Atom::Op::kNotEqual:
      one(Atom::Op::kEqual, atom.values[0]);
      break;
    case Atom::Op::kLess:
      one(Atom::Op::kGreaterEqual, atom.values[0]);
      break;
    case Atom::Op::kLessEqual:
      one(Atom::Op::kGreater, atom.values[0]);
      break;
    case Atom::Op::kGreater:
      one(Atom::Op::kLessEqual, atom.values[0]);
      break;
    case Atom::Op::kGreaterEqual:
      one(Atom::Op::kLess, atom.values[0]);
      break;
    case Atom::Op::kIn:
      for (const ConstantValue& v : atom.values) one(Atom::Op::kNotEqual, v);
      break;
  }
  return out;
}

}  // namespace

std::optional<Conjunction> AsConjunction(const Expression& e) {
  const Program& program = e.program();
  const Node& root = program.root();
  if (root.kind != ValueKind::kBool) return std::nullopt;
  // A disjunction is not a conjunction (as one opaque atom it would only
  // ever be compared with itself).
  if (root.op == Op::kOr) return std::nullopt;
  Conjunction out;
  AddAtoms(program, root, /*negated=*/false, &out);
  return out;
}

std::string CanonicalText(const Expression& e) {
  std::string out;
  AppendCanonical(e.program(), e.program().root(), &out);
  return out;
}

bool IsUnsatisfiable(const Conjunction& c) {
  std::vector<const Atom*> atoms;
  for (const Atom& atom : c.atoms) atoms.push_back(&atom);
  return !AtomsSatisfiable(atoms);
}

bool Implies(const Conjunction& specific, const Conjunction& general) {
  if (IsUnsatisfiable(specific)) return true;
  for (const Atom& goal : general.atoms) {
    // specific && !goal must be impossible; only atoms on goal's path can
    // contribute, since paths are treated as independent.
    const std::vector<Atom> negated = Negate(goal);
    std::vector<const Atom*> atoms;
    for (const Atom& atom : specific.atoms) {
      if (atom.path == goal.path) atoms.push_back(&atom);
    }
    for (const Atom& atom : negated) atoms.push_back(&atom);
    if (AtomsSatisfiable(atoms)) return false;
  }
  return true;
}

bool MaySatisfyBoth(const Conjunction& a, const Conjunction& b) {
  std::vector<const Atom*> atoms;
  for (const Atom& atom : a.atoms) atoms.push_back(&atom);
  for (const Atom& atom : b.atoms) atoms.push_back(&atom);
  return AtomsSatisfiable(atoms);
}

}  // namespace refund::expr

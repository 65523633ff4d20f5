#include "engine/expr/conjunction.h"

#include <cstdint>
#include <limits>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/expr/program.h"

namespace refund::expr {
namespace {

using Atom = ConjunctionAtom;

// The canonical text of a scalar field path of the root, or nullopt.
std::optional<std::string> PathOf(const Program& program, const Node& node) {
  if (node.op != Op::kSelect || node.read == FieldRead::kRepeated ||
      node.read == FieldRead::kMessage || node.children.size() != 1 ||
      node.children[0]->op != Op::kRoot) {
    return std::nullopt;
  }
  const Node& root = *node.children[0];
  std::string path = program.text().substr(root.begin, root.end - root.begin);
  for (const auto* field : node.path)
    absl::StrAppend(&path, ".", field->name());
  return path;
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

// Adds the atom `node` is to `out`; false when it is not an atom.
bool AddAtom(const Program& program, const Node& node, Conjunction* out) {
  Atom atom;
  atom.begin = node.begin;
  atom.end = node.end;
  if (node.op == Op::kConstant && node.kind == ValueKind::kBool) {
    return node.constant.b;  // `true` adds nothing; `false` is no atom
  }
  if (std::optional<std::string> path = PathOf(program, node)) {
    if (node.kind != ValueKind::kBool) return false;
    atom.path = *std::move(path);
    atom.values.push_back(ConstantValue::Bool(true));
    out->atoms.push_back(std::move(atom));
    return true;
  }
  if (node.op == Op::kNot) {
    std::optional<std::string> path = PathOf(program, *node.children[0]);
    if (!path.has_value()) return false;
    atom.path = *std::move(path);
    atom.values.push_back(ConstantValue::Bool(false));
    out->atoms.push_back(std::move(atom));
    return true;
  }
  if (node.op == Op::kIn) {
    std::optional<std::string> path = PathOf(program, *node.children[0]);
    const Node& list = *node.children[1];
    if (!path.has_value() || list.op != Op::kList) return false;
    for (const auto& element : list.children) {
      if (element->op != Op::kConstant) return false;
      atom.values.push_back(ConstantOf(*element));
    }
    atom.path = *std::move(path);
    atom.op = Atom::Op::kIn;
    out->atoms.push_back(std::move(atom));
    return true;
  }
  std::optional<Atom::Op> op = CompareOp(node.op);
  if (!op.has_value()) return false;
  const Node& lhs = *node.children[0];
  const Node& rhs = *node.children[1];
  std::optional<std::string> path;
  if (rhs.op == Op::kConstant && (path = PathOf(program, lhs))) {
    atom.op = *op;
    atom.values.push_back(ConstantOf(rhs));
  } else if (lhs.op == Op::kConstant && (path = PathOf(program, rhs))) {
    atom.op = Flip(*op);
    atom.values.push_back(ConstantOf(lhs));
  } else {
    return false;
  }
  atom.path = *std::move(path);
  out->atoms.push_back(std::move(atom));
  return true;
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
  Conjunction out;
  if (root.op == Op::kAnd) {
    for (const auto& child : root.children) {
      if (!AddAtom(program, *child, &out)) return std::nullopt;
    }
    return out;
  }
  if (!AddAtom(program, root, &out)) return std::nullopt;
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

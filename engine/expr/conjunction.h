// Lint analysis of conditions (`refundctl lint`): a condition that is a
// conjunction of simple comparisons of root fields with literals can be
// checked for contradictions and compared with other conditions.
#ifndef ENGINE_EXPR_CONJUNCTION_H_
#define ENGINE_EXPR_CONJUNCTION_H_

#include <optional>
#include <string>
#include <vector>

#include "engine/expr/environment.h"
#include "engine/expr/expression.h"

namespace refund::expr {

// One comparison of a root field path with literal values.
struct ConjunctionAtom {
  enum class Op {
    kEqual,
    kNotEqual,
    kLess,
    kLessEqual,
    kGreater,
    kGreaterEqual,
    kIn,  // path in [values]
  };
  // The field path as written canonically: "request.order.flags.urgent"
  // (the root name, then the field names; spacing in the text is ignored).
  std::string path;
  Op op = Op::kEqual;
  // One value, or the list of `in`. A bare boolean `path` is
  // `path == true`; `!path` is `path == false`. `literal OP path` is stored
  // flipped as `path OP' literal`.
  std::vector<ConstantValue> values;
  // [begin, end) byte span of the atom in the expression text.
  int begin = 0;
  int end = 0;
};

// `atoms` all hold together. No atoms: the condition is the literal `true`.
struct Conjunction {
  std::vector<ConjunctionAtom> atoms;
};

// The conjunction a condition is, or std::nullopt when it has any other
// shape: a conjunction (&&) of atoms `path OP literal` (OP one of == != <
// <= > >=, either order), `path in [literals]`, a bare boolean `path`, or
// `!path`, where `path` is a non-repeated scalar field path of the root and
// the literals include enum values, named constants and constant
// sub-expressions such as yuan(5). Helper calls, ||, exists() and the like
// make it std::nullopt.
std::optional<Conjunction> AsConjunction(const Expression& e);

// True when no root value satisfies `c`, e.g. `a == X && a == Y` (X != Y),
// `x > 5 && x < 3`, `b && !b`, `p in [A, B] && p == C`. Sound: false when
// unsure (fields are treated as independent; only integers, money, enums and
// bools get exact counting).
bool IsUnsatisfiable(const Conjunction& c);

// True when every root value satisfying `specific` also satisfies `general`
// (sound; may say false when unsure). An unsatisfiable `specific` implies
// everything.
bool Implies(const Conjunction& specific, const Conjunction& general);

// False only when no root value can satisfy both (i.e. the conjunction of the
// two is unsatisfiable); for finding rules that may match the same case.
bool MaySatisfyBoth(const Conjunction& a, const Conjunction& b);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_CONJUNCTION_H_

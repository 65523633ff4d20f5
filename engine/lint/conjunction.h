// Lint analysis of conditions (`refundctl lint`): a condition that is a
// conjunction (&&) can be checked for contradictions and compared with other
// conditions. Comparisons of root fields (or of any other sub-expression)
// with literals are reasoned about by value; every other conjunct —
// `is_delivered()`, `within_days_of_signing(7)`, `has(...)`, `exists(...)`,
// a nested `a || b` — is an opaque atom known only by its canonical text:
// it implies itself and contradicts its negation, nothing more.
#ifndef ENGINE_LINT_CONJUNCTION_H_
#define ENGINE_LINT_CONJUNCTION_H_

#include <optional>
#include <string>
#include <vector>

#include "engine/expr/environment.h"
#include "engine/expr/expression.h"

namespace refund::expr {

// One comparison of a subject with literal values. The subject is a scalar
// field path of the root or (`opaque`) another sub-expression.
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
  // The subject's canonical text (see CanonicalText): for a field path the
  // path as written canonically, "request.order.flags.urgent" (the root
  // name, then the field names; spacing in the text is ignored); otherwise
  // e.g. "is_delivered()", "size(request.inspection.resale_defects)".
  // Two atoms with the same text are about the same value.
  std::string path;
  // The subject is not a field path of the root: a helper call, has(),
  // exists(), arithmetic, a nested ||, ... (a bare boolean one `X` is
  // `X == true`, `!X` is `X == false`). The atom `false in []` (opaque,
  // `in` with no values) stands for the literal `false`.
  bool opaque = false;
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

// The conjunction a boolean condition is, or std::nullopt when it is a
// disjunction (`a || b` at the top) or not boolean. Each conjunct of the &&
// chain becomes atoms: `subject OP literal` (OP one of == != < <= > >=,
// either order) and `subject in [literals]`, where the literals include enum
// values, named constants and constant sub-expressions such as yuan(5); a
// bare boolean `X` (`X == true`); `!X` (the negated atom: `!(a == b)` is
// `a != b`, `!(p in [A, B])` is `p != A && p != B`, `!!X` is `X`); and
// `!(a || b)` is `!a && !b`. `true` adds no atom; `false` is an atom nothing
// satisfies.
std::optional<Conjunction> AsConjunction(const Expression& e);

// The canonical text of `e`'s compiled form, which identifies opaque atoms:
// the same for spellings that differ only in spacing, comments, redundant
// parentheses, comprehension variable names or a named constant versus its
// value (`is_delivered()` and `is_delivered( )`), different for different
// computations. Fully parenthesised, constants by value:
// "(request.reason == REASON_NO_REASON && within_days_of_signing(7))".
std::string CanonicalText(const Expression& e);

// True when no root value satisfies `c`, e.g. `a == X && a == Y` (X != Y),
// `x > 5 && x < 3`, `b && !b`, `p in [A, B] && p == C`,
// `is_delivered() && !is_delivered()`. Sound: false when unsure (subjects
// are treated as independent, so `is_delivered()` and
// `!has(request.order.delivered_at)` are not seen to clash; only integers,
// money, enums and bools get exact counting).
bool IsUnsatisfiable(const Conjunction& c);

// True when every root value satisfying `specific` also satisfies `general`
// (sound; may say false when unsure): every atom of `general` follows from
// the atoms of `specific` on the same subject (an opaque `X` only from `X`).
// An unsatisfiable `specific` implies everything.
bool Implies(const Conjunction& specific, const Conjunction& general);

// False only when no root value can satisfy both (i.e. the conjunction of the
// two is unsatisfiable); for finding rules that may match the same case.
bool MaySatisfyBoth(const Conjunction& a, const Conjunction& b);

}  // namespace refund::expr

#endif  // ENGINE_LINT_CONJUNCTION_H_

// `refundctl lint`: findings about a bundle that loads but is probably wrong.
#ifndef ENGINE_LINT_POLICY_LINTER_H_
#define ENGINE_LINT_POLICY_LINTER_H_

#include <string>
#include <vector>

#include "engine/decide/compiled_bundle.h"

namespace refund {

struct LintFinding {
  std::string rule_id;  // or the catalog code the finding is about
  std::string check;    // "never-matches", "shadowed", "conflict", ...
  std::string message;
};

// Checks, for conditions that are conjunctions (comparisons of fields with
// literals, and any other conjunct as an opaque atom compared by its
// canonical compiled form; see engine/lint/conjunction.h):
// - never-matches: a rule whose condition cannot be true;
// - shadowed: a verdict rule whose condition implies the condition of a
//   higher-priority rule with another verdict, so its verdict never applies;
// - conflict: two rules of equal priority with different verdicts that can
//   match the same case.
// And for the catalog: entries no rule uses (unused), and scripts that offer
// anything for a review (the loader refuses those already).
std::vector<LintFinding> LintBundle(const CompiledBundle& bundle);

}  // namespace refund

#endif  // ENGINE_LINT_POLICY_LINTER_H_

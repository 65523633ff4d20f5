// What a bundle decides on a request before anything is rendered: which
// rules matched, the verdict, the amount, the deadline and the indexes of
// the evidence, actions, forbidden conduct and risks that the Decision
// message will list. Cheap to compute (no strings on the success path), and
// enough to render the full Decision (decision_renderer.h) or to compare
// decisions.
#ifndef ENGINE_DECIDE_DECISION_OUTCOME_H_
#define ENGINE_DECIDE_DECISION_OUTCOME_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/time/time.h"
#include "refund/v1/refund.pb.h"

namespace refund {

// Who put an entry into the decision: a rule (its index in evaluation
// order, >= 0) or the engine itself (these negative values).
inline constexpr int kSourceFallback = -1;   // "engine.fallback"
inline constexpr int kSourceRuleError = -2;  // "engine.rule_error"
inline constexpr int kSourceRejectNeedsEvidence =
    -3;  // "engine.reject_needs_evidence"

struct DecisionOutcome {
  // One entry of matched_rules, in their order.
  struct Matched {
    int source = 0;
    v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;
    int priority = 0;
    // >= 0: the explanation is errors[error] (an evaluation error);
    // otherwise the rule's or the engine's own text.
    int error = -1;
  };
  // One required evidence: the `spec`-th evidence of rule `rule`.
  struct Evidence {
    int rule = 0;
    int spec = 0;
    bool satisfied = false;
  };
  // An action, forbidden conduct or risk: its catalog index and source.
  struct Entry {
    int index = 0;
    int source = 0;
  };

  v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;
  // The rule that set the verdict (-1: none, the fallback or an error).
  int verdict_rule = -1;
  int64_t refund_amount = 0;  // minor units, clamped
  absl::Time respond_by;
  int locale = 0;  // index into the bundle's locales

  absl::InlinedVector<Matched, 16> matched;
  absl::InlinedVector<Evidence, 8> evidence;
  // Evidence kinds not held, as of the verdict (before post-verdict rules):
  // what COLLECT_EVIDENCE asks for.
  absl::InlinedVector<v1::EvidenceKind, 8> missing_evidence;
  absl::InlinedVector<Entry, 16> actions;  // in catalog rank order
  absl::InlinedVector<Entry, 8> forbidden;
  absl::InlinedVector<Entry, 8> risks;
  // Texts of evaluation errors (only when something failed).
  std::vector<std::string> errors;
};

}  // namespace refund

#endif  // ENGINE_DECIDE_DECISION_OUTCOME_H_

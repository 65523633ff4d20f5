// How the matched rules of a bundle become one Decision. The combining rule
// (also in policies/README.md):
//
// 1. Rules are evaluated in order: priority descending, then rule id.
// 2. The verdict comes from the first matching rule that has a verdict (and
//    no only_for_verdicts). If a verdict rule before it failed to evaluate,
//    nobody can say which verdict applies: NEGOTIATE with ESCALATE_TO_OWNER.
//    If no verdict rule matched: the bundle's fallback (a person decides).
// 3. Contributions (evidence, actions, forbidden, risks, refund amount) come
//    from the matched rules that have no verdict or the same verdict as the
//    chosen one; merged in evaluation order, without duplicates.
// 4. A REJECT whose required evidence is not all held becomes NEGOTIATE with
//    COLLECT_EVIDENCE naming what is missing; matched_rules says so.
// 5. Then the post-verdict rules (only_for_verdicts containing the final
//    verdict) contribute.
// 6. refund_amount: the first contributor's refund_amount expression, else
//    the requested amount; 0 for REJECT; always within [0, min(requested,
//    paid)].
// 7. Actions ordered by the catalog's rank (stable); due_by = respond_by;
//    a phone action carries not_before, the end of the quiet hours when the
//    case is evaluated inside them, and is due at not_before when that comes
//    after respond_by.
// 8. respond_by = requested_at + urgent or default SLA, never later than
//    after_sale_deadline.
//
// Evaluation and rendering are separate: CombineOutcome computes the
// DecisionOutcome (which rules matched, verdict, amount, indexes; no strings
// on the success path), RenderDecision (decision_renderer.h) turns it into
// the Decision message.
#ifndef ENGINE_DECIDE_DECISION_COMBINER_H_
#define ENGINE_DECIDE_DECISION_COMBINER_H_

#include "engine/decide/bundle_internals.h"
#include "engine/decide/decision_outcome.h"
#include "refund/v1/refund.pb.h"

namespace refund {

// Rule ids the engine itself writes into matched_rules.
inline constexpr char kFallbackRuleId[] = "engine.fallback";
inline constexpr char kRejectNeedsEvidenceRuleId[] =
    "engine.reject_needs_evidence";
inline constexpr char kRuleErrorRuleId[] = "engine.rule_error";

// Which rules to evaluate. Both give the same outcome (the index is exact,
// rule_index.h); kEveryRule is the reference the index is tested against.
enum class RuleSelection { kIndexed, kEveryRule };

// Evaluates `request` (already validated) against `bundle`. Never fails:
// evaluation errors become part of the outcome.
DecisionOutcome CombineOutcome(
    const BundleInternals& bundle, const v1::RefundRequest& request,
    RuleSelection selection = RuleSelection::kIndexed);

// RenderDecision(bundle, request, CombineOutcome(bundle, request)).
// decision_id and decided_at are left unset.
v1::Decision CombineDecision(const BundleInternals& bundle,
                             const v1::RefundRequest& request);

}  // namespace refund

#endif  // ENGINE_DECIDE_DECISION_COMBINER_H_

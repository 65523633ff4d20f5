// Renders a DecisionOutcome (decision_combiner.h) as the Decision message:
// rule ids, explanations, evidence, actions with their scripts (话术) in the
// case's locale, forbidden conduct, risks, timestamps. The output format is
// fixed: an auditor replays a stored decision and must get the same bytes.
#ifndef ENGINE_DECIDE_DECISION_RENDERER_H_
#define ENGINE_DECIDE_DECISION_RENDERER_H_

#include "engine/decide/bundle_internals.h"
#include "engine/decide/decision_outcome.h"
#include "refund/v1/refund.pb.h"

namespace refund {

// The Decision for `outcome`, which CombineOutcome computed from `bundle` and
// `request`. decision_id and decided_at are left unset.
v1::Decision RenderDecision(const BundleInternals& bundle,
                            const v1::RefundRequest& request,
                            const DecisionOutcome& outcome);

// The same into `out`, which must be empty; it may live on a protobuf Arena
// (the caller's choice: the rendered strings and messages are then freed
// with the arena).
void RenderDecisionInto(const BundleInternals& bundle,
                        const v1::RefundRequest& request,
                        const DecisionOutcome& outcome, v1::Decision* out);

}  // namespace refund

#endif  // ENGINE_DECIDE_DECISION_RENDERER_H_

// Sample decisions of a bundle: one per rule and locale, as if that rule
// alone had matched a request with no field set, plus one for the fallback.
// Together they hold every text the bundle can put into a Decision (rule
// ids, explanations, evidence reasons, action scripts, forbidden conduct,
// risks) in the form the renderer writes it, which is what a compression
// dictionary for the bundle's decisions is made of (the decision log's,
// server/log/decision_dictionary.h).
#ifndef ENGINE_DECIDE_RULE_SAMPLES_H_
#define ENGINE_DECIDE_RULE_SAMPLES_H_

#include <vector>

#include "engine/decide/bundle_internals.h"
#include "refund/v1/refund.pb.h"

namespace refund {

// Ordered by locale, the default locale (locales[0]) last, then by rule in
// evaluation order, the fallback's sample after the rules. Deterministic:
// the same bundle gives the same samples. decision_id and decided_at are
// unset; respond_by is the Unix epoch.
std::vector<v1::Decision> RenderRuleSamples(const BundleInternals& bundle);

}  // namespace refund

#endif  // ENGINE_DECIDE_RULE_SAMPLES_H_

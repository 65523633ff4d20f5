#include "engine/decide/rule_samples.h"

#include <vector>

#include "absl/time/time.h"
#include "engine/decide/decision_outcome.h"
#include "engine/decide/decision_renderer.h"

namespace refund {
namespace {

DecisionOutcome::Entry EntryOf(int index, int source) {
  DecisionOutcome::Entry entry;
  entry.index = index;
  entry.source = source;
  return entry;
}

// The outcome of rule `r` matching alone.
DecisionOutcome RuleOutcome(const BundleInternals& bundle, int r, int locale) {
  const CompiledRule& rule = bundle.rule(r);
  DecisionOutcome outcome;
  outcome.verdict = rule.verdict != v1::VERDICT_UNSPECIFIED
                        ? rule.verdict
                        : bundle.fallback_verdict;
  outcome.verdict_rule = r;
  outcome.respond_by = absl::UnixEpoch();
  outcome.locale = locale;
  DecisionOutcome::Matched matched;
  matched.source = r;
  matched.verdict = rule.verdict;
  matched.priority = rule.priority;
  outcome.matched.push_back(matched);
  for (int spec = 0; spec < static_cast<int>(rule.evidence.size()); ++spec) {
    DecisionOutcome::Evidence evidence;
    evidence.rule = r;
    evidence.spec = spec;
    outcome.evidence.push_back(evidence);
  }
  for (int action : rule.actions) outcome.actions.push_back(EntryOf(action, r));
  for (int f : rule.forbidden) outcome.forbidden.push_back(EntryOf(f, r));
  for (int risk : rule.risks) outcome.risks.push_back(EntryOf(risk, r));
  return outcome;
}

DecisionOutcome FallbackOutcome(const BundleInternals& bundle, int locale) {
  DecisionOutcome outcome;
  outcome.verdict = bundle.fallback_verdict;
  outcome.respond_by = absl::UnixEpoch();
  outcome.locale = locale;
  DecisionOutcome::Matched matched;
  matched.source = kSourceFallback;
  matched.verdict = bundle.fallback_verdict;
  outcome.matched.push_back(matched);
  for (int action : bundle.fallback_actions) {
    outcome.actions.push_back(EntryOf(action, kSourceFallback));
  }
  return outcome;
}

}  // namespace

std::vector<v1::Decision> RenderRuleSamples(const BundleInternals& bundle) {
  const v1::RefundRequest request;
  const int locales = static_cast<int>(bundle.locales.size());
  std::vector<v1::Decision> samples;
  samples.reserve((bundle.rule_count() + 1) * bundle.locales.size());
  // The default locale last: most decisions are in it, and a compressor
  // reaches the end of its dictionary most cheaply.
  for (int k = locales - 1; k >= 0; --k) {
    for (int r = 0; r < bundle.rule_count(); ++r) {
      samples.push_back(
          RenderDecision(bundle, request, RuleOutcome(bundle, r, k)));
    }
    samples.push_back(
        RenderDecision(bundle, request, FallbackOutcome(bundle, k)));
  }
  return samples;
}

}  // namespace refund

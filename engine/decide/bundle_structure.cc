#include "engine/decide/bundle_structure.h"

#include "engine/decide/bundle_internals.h"

namespace refund {

BundleStructure::BundleStructure(const CompiledBundle& bundle) {
  const BundleInternals& internals = bundle.internals();
  rules_.reserve(internals.rules.size());
  for (const CompiledRule& rule : internals.rules) {
    RuleStructure& out = rules_.emplace_back();
    out.id = &rule.id;
    out.priority = rule.priority;
    out.verdict = rule.verdict;
    out.post_verdict = !rule.only_for_verdicts.empty();
    out.when = rule.when.get();
    out.actions = rule.actions;
    out.forbidden = rule.forbidden;
    out.risks = rule.risks;
  }
  for (const CompiledAction& action : internals.actions) {
    action_codes_.push_back(action.code);
  }
  for (const CompiledNotice& notice : internals.forbidden) {
    forbidden_codes_.push_back(notice.code);
  }
  for (const CompiledNotice& notice : internals.risks) {
    risk_codes_.push_back(notice.code);
  }
  engine_actions_ = internals.fallback_actions;
  engine_actions_.push_back(internals.collect_evidence_action);
  engine_actions_.push_back(internals.escalate_action);
}

}  // namespace refund

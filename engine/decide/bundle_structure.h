// What a compiled bundle is made of, read-only, for analyses of the bundle
// itself (engine/lint/): its rules in evaluation order with their
// conditions, and its catalog's codes. The engine's compiled form
// (bundle_internals.h) stays private to decide/ and load/.
#ifndef ENGINE_DECIDE_BUNDLE_STRUCTURE_H_
#define ENGINE_DECIDE_BUNDLE_STRUCTURE_H_

#include <string>
#include <vector>

#include "engine/decide/compiled_bundle.h"
#include "engine/expr/expression.h"
#include "refund/v1/refund.pb.h"

namespace refund {

// One rule. Borrows from the bundle it came from.
struct RuleStructure {
  const std::string* id = nullptr;
  int priority = 0;
  v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;
  // A post-verdict rule (only_for_verdicts set): it contributes to a
  // verdict set by others and never sets one itself.
  bool post_verdict = false;
  const expr::Expression* when = nullptr;
  // Indexes into BundleStructure's action, forbidden and risk codes.
  std::vector<int> actions;
  std::vector<int> forbidden;
  std::vector<int> risks;
};

// A view of `bundle`, which must outlive it. Thread-safe (read-only).
class BundleStructure {
 public:
  explicit BundleStructure(const CompiledBundle& bundle);

  // Evaluation order: the earlier rule wins a verdict.
  const std::vector<RuleStructure>& rules() const { return rules_; }
  const std::vector<std::string>& action_codes() const { return action_codes_; }
  const std::vector<std::string>& forbidden_codes() const {
    return forbidden_codes_;
  }
  const std::vector<std::string>& risk_codes() const { return risk_codes_; }
  // Actions the engine adds by itself (the fallback's, COLLECT_EVIDENCE,
  // ESCALATE_TO_OWNER), as indexes into action_codes; -1 where absent.
  const std::vector<int>& engine_actions() const { return engine_actions_; }

 private:
  std::vector<RuleStructure> rules_;
  std::vector<std::string> action_codes_;
  std::vector<std::string> forbidden_codes_;
  std::vector<std::string> risk_codes_;
  std::vector<int> engine_actions_;
};

}  // namespace refund

#endif  // ENGINE_DECIDE_BUNDLE_STRUCTURE_H_

// What a shop layer's rule may not do to the floor it is layered over
// (policies/README.md, "Shop layers"): checked when the layer loads, so that
// a rule whose effect would weaken the floor is refused with the floor rule
// it undercuts instead of being silently outvoted at run time.
//
// The decision combines floor and layer so that the floor can never be
// weakened (engine/decide/decision_combiner.h); this check refuses the rules
// that could only take effect by weakening it, as far as the conjunction
// analysis of `refundctl lint` (engine/lint/conjunction.h) can see:
// - a verdict rule less generous (REJECT < NEGOTIATE < APPROVE) than a floor
//   verdict rule that can decide one of its cases (that can match it, and is
//   not after a floor verdict rule whose condition holds on every case of
//   the layer rule), or than the floor's fallback on cases no floor verdict
//   rule is sure to decide;
// - a refund_amount on cases where the floor grants the whole requested
//   amount (a floor rule of the same verdict matches them and no floor
//   amount rule can), where it could only lower it.
// Conditions that are not conjunctions (a top-level ||) are taken to match
// every case, so such rules are judged against every floor rule.
#ifndef ENGINE_LOAD_FLOOR_GUARD_H_
#define ENGINE_LOAD_FLOOR_GUARD_H_

#include <optional>
#include <string>
#include <vector>

#include "engine/decide/bundle_internals.h"
#include "engine/lint/conjunction.h"

namespace refund {

// One way a layer rule would weaken the floor.
struct FloorWeakening {
  // The layer rule's field the issue is reported at: "verdict" or
  // "refund_amount".
  const char* field = "verdict";
  // The floor rule undercut (or "engine.fallback").
  std::string floor_rule;
  std::string message;
};

// Built once per floor (its conditions' analysis), then used for every
// layer loaded over it. Immutable; thread-safe.
class FloorGuard {
 public:
  // `floor` must outlive the guard.
  explicit FloorGuard(const BundleInternals& floor);

  // Every weakening of `rule`, a layer rule compiled over the floor (its
  // condition non-null).
  std::vector<FloorWeakening> Check(const CompiledRule& rule) const;

 private:
  struct FloorRule {
    const CompiledRule* rule = nullptr;
    // Null when the condition is not a conjunction (taken as `true`).
    std::optional<expr::Conjunction> condition;
  };

  const BundleInternals& floor_;
  std::vector<FloorRule> verdict_rules_;  // in evaluation order
  std::vector<FloorRule> amount_rules_;   // rules with a refund_amount
};

}  // namespace refund

#endif  // ENGINE_LOAD_FLOOR_GUARD_H_

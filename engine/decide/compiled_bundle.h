// A policy bundle after loading: immutable, evaluated from every RPC thread.
#ifndef ENGINE_DECIDE_COMPILED_BUNDLE_H_
#define ENGINE_DECIDE_COMPILED_BUNDLE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/decide/decision_outcome.h"
#include "refund/v1/policy.pb.h"
#include "refund/v1/refund.pb.h"

namespace refund {

struct BundleInternals;  // engine-private compiled form (bundle_internals.h)

// What one rule's condition evaluated to, sub-expression by sub-expression,
// for `refundctl explain`.
struct RuleTrace {
  std::string rule_id;
  // The shop whose layer the rule is in; empty for the floor's.
  std::string shop_layer;
  int priority = 0;
  std::string when;     // the condition's text
  std::string outcome;  // "true", "false" or "error: ..."
  // Sub-expressions of the condition with their values, depth-first;
  // `depth` is the nesting level, for indentation.
  struct Step {
    int depth = 0;
    std::string text;
    std::string value;
  };
  std::vector<Step> steps;
};

class CompiledBundle {
 public:
  ~CompiledBundle();
  CompiledBundle(const CompiledBundle&) = delete;
  CompiledBundle& operator=(const CompiledBundle&) = delete;

  // A bundle is a floor (the shipped policies) or a shop's layer compiled
  // over a floor (policies/README.md, "Shop layers"; engine/load). A layer
  // decides with the floor's rules and its own; version() and
  // canonical_text() are the layer's, whose text names the floor's version.
  bool is_layer() const;
  // The layer's shop; empty for a floor.
  const std::string& shop_id() const;
  // The floor's version (a floor's own).
  const std::string& floor_version() const;

  const std::string& name() const;
  // Lower-case hex SHA-256 of canonical_text().
  const std::string& version() const;
  // The bundle merged into one PolicyBundle in text format, rules sorted by
  // id, catalogs by code: what the decision log stores and replay reloads.
  const std::string& canonical_text() const;
  const v1::PolicyBundle& definition() const;
  // settings.locales; [0] is the default (MatchLocale's argument).
  const std::vector<std::string>& locales() const;

  // Validates `request` (ValidateRefundRequest, fields named under
  // "request."), then evaluates it. Fills every field of the Decision but
  // decision_id and decided_at. Deterministic: reads no clock and no global
  // state. Errors only for an invalid request (INVALID_ARGUMENT naming the
  // field); evaluation errors become part of the decision.
  // Decide(request) is Render(request, *Evaluate(request)).
  absl::StatusOr<v1::Decision> Decide(const v1::RefundRequest& request) const;

  // The cheap part of Decide: validates `request` as Decide does, then
  // finds the matching rules (through the rule index, rule_index.h), the
  // verdict, the amount, the deadline and what the decision will list, as
  // indexes into this bundle; renders no text. Same errors as Decide.
  absl::StatusOr<DecisionOutcome> Evaluate(
      const v1::RefundRequest& request) const;

  // The Decision message of `outcome`, which Evaluate(request) returned on
  // this bundle (any other outcome is a programming error). Fills every field
  // but decision_id and decided_at.
  v1::Decision Render(const v1::RefundRequest& request,
                      const DecisionOutcome& outcome) const;
  // Render into `out`, which must be empty and may live on a protobuf Arena
  // (then the rendering allocates from the arena).
  void RenderInto(const v1::RefundRequest& request,
                  const DecisionOutcome& outcome, v1::Decision* out) const;

  // Every rule's condition result on `request`, sub-expression by
  // sub-expression, in evaluation order (a layer: the floor's, then its own).
  std::vector<RuleTrace> Explain(const v1::RefundRequest& request) const;

  // One rendered Decision per rule and locale, as if that rule alone had
  // matched, plus the fallback's (engine/decide/rule_samples.h): every text
  // this bundle can put into a decision, for a compression dictionary.
  std::vector<v1::Decision> RuleSamples() const;

  // Name, version and rule list (GetPolicyBundle); a layer's: the floor's
  // name, version and rules, then the layer's version and rules.
  v1::PolicyBundleInfo Info() const;

  // Engine-private.
  explicit CompiledBundle(std::unique_ptr<BundleInternals> internals);
  const BundleInternals& internals() const { return *internals_; }

 private:
  std::unique_ptr<BundleInternals> internals_;
};

}  // namespace refund

#endif  // ENGINE_DECIDE_COMPILED_BUNDLE_H_

#include "engine/decide/compiled_bundle.h"

#include <utility>

#include "engine/base/status_macros.h"
#include "engine/decide/bundle_internals.h"
#include "engine/decide/decision_combiner.h"
#include "engine/decide/decision_renderer.h"
#include "engine/decide/request_validator.h"
#include "engine/decide/rule_samples.h"

namespace refund {

CompiledBundle::CompiledBundle(std::unique_ptr<BundleInternals> internals)
    : internals_(std::move(internals)) {}

CompiledBundle::~CompiledBundle() = default;

const std::string& CompiledBundle::name() const { return internals_->name; }
const std::vector<std::string>& CompiledBundle::locales() const {
  return internals_->locales;
}
const std::string& CompiledBundle::version() const {
  return internals_->version;
}
bool CompiledBundle::is_layer() const { return internals_->floor != nullptr; }
const std::string& CompiledBundle::shop_id() const {
  return internals_->shop_id;
}
const std::string& CompiledBundle::floor_version() const {
  return internals_->floor != nullptr ? internals_->floor->version
                                      : internals_->version;
}
const std::string& CompiledBundle::canonical_text() const {
  return internals_->canonical_text;
}
const v1::PolicyBundle& CompiledBundle::definition() const {
  return internals_->definition;
}

absl::StatusOr<v1::Decision> CompiledBundle::Decide(
    const v1::RefundRequest& request) const {
  RETURN_IF_ERROR(ValidateRefundRequest(request));
  return CombineDecision(*internals_, request);
}

absl::StatusOr<DecisionOutcome> CompiledBundle::Evaluate(
    const v1::RefundRequest& request) const {
  RETURN_IF_ERROR(ValidateRefundRequest(request));
  return CombineOutcome(*internals_, request);
}

v1::Decision CompiledBundle::Render(const v1::RefundRequest& request,
                                    const DecisionOutcome& outcome) const {
  return RenderDecision(*internals_, request, outcome);
}

void CompiledBundle::RenderInto(const v1::RefundRequest& request,
                                const DecisionOutcome& outcome,
                                v1::Decision* out) const {
  RenderDecisionInto(*internals_, request, outcome, out);
}

std::vector<v1::Decision> CompiledBundle::RuleSamples() const {
  return RenderRuleSamples(*internals_);
}

std::vector<RuleTrace> CompiledBundle::Explain(
    const v1::RefundRequest& request) const {
  std::vector<RuleTrace> traces;
  for (int source = 0; source < internals_->rule_count(); ++source) {
    const CompiledRule& rule = internals_->rule(source);
    RuleTrace trace;
    trace.rule_id = rule.id;
    if (internals_->IsLayerRule(source)) trace.shop_layer = internals_->shop_id;
    trace.priority = rule.priority;
    trace.when = rule.when->text();
    absl::StatusOr<bool> matched = rule.when->EvaluateBool(request);
    trace.outcome = !matched.ok()
                        ? "error: " + std::string(matched.status().message())
                    : *matched ? "true"
                               : "false";
    for (const expr::Expression::TraceStep& step : rule.when->Trace(request)) {
      trace.steps.push_back(
          {step.depth,
           trace.when.substr(step.begin, std::max(0, step.end - step.begin)),
           step.value});
    }
    traces.push_back(std::move(trace));
  }
  return traces;
}

v1::PolicyBundleInfo CompiledBundle::Info() const {
  v1::PolicyBundleInfo info;
  const BundleInternals* floor =
      internals_->floor != nullptr ? internals_->floor.get() : internals_.get();
  info.set_bundle_name(floor->name);
  info.set_version(floor->version);
  const auto add_rules = [&info](const v1::PolicyBundle& definition,
                                 const std::string& shop_layer) {
    for (const v1::Rule& rule : definition.rules()) {
      v1::RuleSummary* summary = info.add_rules();
      summary->set_id(rule.id());
      summary->set_description(rule.description());
      summary->set_priority(rule.priority());
      summary->set_verdict(rule.verdict());
      summary->set_when(rule.when());
      summary->set_shop_layer(shop_layer);
    }
  };
  add_rules(floor->definition, "");
  if (internals_->floor != nullptr) {
    info.set_layer_shop_id(internals_->shop_id);
    info.set_layer_version(internals_->version);
    add_rules(internals_->definition, internals_->shop_id);
  }
  return info;
}

}  // namespace refund

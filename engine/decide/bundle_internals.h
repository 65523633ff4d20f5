// The compiled form of a bundle (engine-private). Built once by the loader,
// then only read: every member is immutable after construction.
//
// Rules are held sorted by (priority desc, id asc), the evaluation order.
//
// A shop layer (policies/README.md, "Shop layers") is compiled over a floor
// and keeps it (`floor`): its own rules and catalog entries are numbered
// after the floor's, so a source or catalog index means the same in the
// floor and in every layer over it. Read rules and catalog entries through
// rule(), action(), forbidden_notice() and risk(), which look in the floor
// first.
// Every code a rule names (action, forbidden, risk) is resolved at load time to
// an index into the catalogs, and every script to a parsed template per
// locale, so a decision does no name look-ups.
#ifndef ENGINE_DECIDE_BUNDLE_INTERNALS_H_
#define ENGINE_DECIDE_BUNDLE_INTERNALS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/decide/script_template.h"
#include "engine/expr/expression.h"
#include "engine/index/rule_index.h"
#include "refund/v1/policy.pb.h"
#include "refund/v1/refund.pb.h"

namespace refund {

struct CompiledAction {
  std::string code;
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  int rank = 100;
  std::vector<ScriptTemplate> scripts;  // indexed like BundleInternals::locales
};

// A forbidden conduct or a risk: a code and its text per locale.
struct CompiledNotice {
  std::string code;
  std::vector<std::string> texts;  // indexed like BundleInternals::locales
};

struct CompiledRule {
  std::string id;
  int priority = 0;
  v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;
  std::shared_ptr<const expr::Expression> when;
  std::shared_ptr<const expr::Expression> refund_amount;  // may be null
  std::vector<v1::EvidenceSpec> evidence;
  // evidence_reasons[k][locale]: the reason of evidence[k] in each locale.
  std::vector<std::vector<std::string>> evidence_reasons;
  std::vector<int> actions;    // indexes into BundleInternals::actions
  std::vector<int> forbidden;  // indexes into BundleInternals::forbidden
  std::vector<int> risks;      // indexes into BundleInternals::risks
  // Non-empty: a post-verdict rule, contributing when the verdict is one of
  // these.
  std::vector<v1::Verdict> only_for_verdicts;
  std::string explanation;
};

struct BundleInternals {
  // Set for a shop layer: the floor it is composed over, and its shop id.
  std::shared_ptr<const BundleInternals> floor;
  std::string shop_id;

  // Evaluation-order position `source` among the floor's rules then the
  // layer's own.
  const CompiledRule& rule(int source) const {
    if (floor == nullptr) return rules[source];
    const int floor_rules = static_cast<int>(floor->rules.size());
    return source < floor_rules ? floor->rules[source]
                                : rules[source - floor_rules];
  }
  // Whether `source` is one of the layer's own rules.
  bool IsLayerRule(int source) const {
    return floor != nullptr && source >= static_cast<int>(floor->rules.size());
  }
  // The first source of this bundle's own rules (0 for a floor).
  int first_own_rule() const {
    return floor == nullptr ? 0 : static_cast<int>(floor->rules.size());
  }
  int rule_count() const {
    return first_own_rule() + static_cast<int>(rules.size());
  }
  const CompiledAction& action(int index) const {
    return CatalogEntry(&BundleInternals::actions, index);
  }
  const CompiledNotice& forbidden_notice(int index) const {
    return CatalogEntry(&BundleInternals::forbidden, index);
  }
  const CompiledNotice& risk(int index) const {
    return CatalogEntry(&BundleInternals::risks, index);
  }
  int action_count() const {
    return static_cast<int>(actions.size() +
                            (floor == nullptr ? 0 : floor->actions.size()));
  }

  std::string name;
  std::string version;          // hex SHA-256 of canonical_text
  std::string canonical_text;   // text-format PolicyBundle, sorted
  v1::PolicyBundle definition;  // the canonical bundle as a message

  // The constants' values by name (a layer's include the floor's).
  std::vector<std::pair<std::string, expr::ConstantValue>> constants;
  std::shared_ptr<const expr::CalendarConfig> calendar;
  std::unique_ptr<expr::Environment> environment;
  std::vector<std::string> locales;  // [0] is the default locale
  std::string currency;
  absl::Duration sla_default;
  absl::Duration sla_urgent;
  std::shared_ptr<const expr::Expression> urgent_when;
  // Quiet hours as minutes after local midnight; start > end wraps midnight.
  int quiet_start_minute = 22 * 60;
  int quiet_end_minute = 8 * 60;

  // This bundle's own rules in evaluation order (a layer: only its own).
  std::vector<CompiledRule> rules;
  RuleIndex rule_index;  // over `rules`
  // This bundle's own catalog entries (a layer: only those it adds).
  std::vector<CompiledAction> actions;
  std::vector<CompiledNotice> forbidden;
  std::vector<CompiledNotice> risks;
  v1::Verdict fallback_verdict = v1::VERDICT_NEGOTIATE;
  std::vector<int> fallback_actions;
  std::string fallback_explanation;
  // Steps one evaluation of one expression may take (expr::Frame::Charge).
  int64_t step_budget = expr::kDefaultStepBudget;
  int collect_evidence_action = -1;  // index of COLLECT_EVIDENCE
  int escalate_action = -1;          // index of ESCALATE_TO_OWNER

  // Entry `index` of catalog `list`, the floor's first.
  template <typename T>
  const T& CatalogEntry(std::vector<T> BundleInternals::*list,
                        int index) const {
    if (floor == nullptr) return (this->*list)[index];
    const int floor_size = static_cast<int>((floor.get()->*list).size());
    return index < floor_size ? (floor.get()->*list)[index]
                              : (this->*list)[index - floor_size];
  }

  // Index of `locale` in `locales`, or -1.
  int LocaleIndex(absl::string_view locale) const {
    for (size_t i = 0; i < locales.size(); ++i) {
      if (locales[i] == locale) return static_cast<int>(i);
    }
    return -1;
  }
};

}  // namespace refund

#endif  // ENGINE_DECIDE_BUNDLE_INTERNALS_H_

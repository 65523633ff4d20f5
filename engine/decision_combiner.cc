#include "engine/decision_combiner.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "engine/locale_match.h"
#include "google/protobuf/util/time_util.h"

namespace refund {
namespace {

using google::protobuf::Timestamp;

enum class Outcome { kNoMatch, kMatch, kError };

struct RuleResult {
  Outcome outcome = Outcome::kNoMatch;
  std::string error;
};

absl::Time ToTime(const Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

void SetTimestamp(absl::Time t, Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

bool Contains(const std::vector<v1::Verdict>& verdicts, v1::Verdict verdict) {
  return std::find(verdicts.begin(), verdicts.end(), verdict) != verdicts.end();
}

// The earliest moment at or after `t` outside the quiet hours.
absl::Time OutsideQuietHours(absl::Time t, const BundleInternals& bundle) {
  const int start = bundle.quiet_start_minute;
  const int end = bundle.quiet_end_minute;
  if (start == end) return t;
  const absl::TimeZone::CivilInfo local = bundle.calendar->zone.At(t);
  const int minute = local.cs.hour() * 60 + local.cs.minute();
  const bool quiet = start < end ? (minute >= start && minute < end)
                                 : (minute >= start || minute < end);
  if (!quiet) return t;
  absl::CivilDay day = absl::CivilDay(local.cs);
  if (start > end && minute >= start) day += 1;  // quiet past midnight
  const absl::CivilMinute resume(day.year(), day.month(), day.day(), end / 60,
                                 end % 60);
  return bundle.calendar->zone.At(resume).pre;
}

// Collects contributions without duplicates.
class Contributions {
 public:
  void AddRule(const BundleInternals& bundle, const CompiledRule& rule,
               const v1::RefundRequest& request) {
    for (const v1::EvidenceSpec& spec : rule.evidence) {
      if (!seen_evidence_.insert(spec.kind()).second) continue;
      v1::EvidenceRequirement requirement;
      requirement.set_kind(spec.kind());
      requirement.set_reason(spec.reason());
      requirement.set_rule_id(rule.id);
      requirement.set_satisfied(
          std::find(request.evidence().begin(), request.evidence().end(),
                    spec.kind()) != request.evidence().end());
      evidence_.push_back(std::move(requirement));
    }
    for (int action : rule.actions) AddAction(bundle, action, rule.id);
    for (int forbidden : rule.forbidden) {
      if (seen_forbidden_.insert(forbidden).second) {
        forbidden_.push_back({forbidden, rule.id});
      }
    }
    for (int risk : rule.risks) {
      if (seen_risks_.insert(risk).second) risks_.push_back({risk, rule.id});
    }
  }

  void AddAction(const BundleInternals& bundle, int action,
                 const std::string& rule_id) {
    if (action < 0 || !seen_actions_.insert(action).second) return;
    actions_.push_back({action, rule_id, bundle.actions[action].rank});
  }

  std::vector<v1::EvidenceKind> MissingEvidence() const {
    std::vector<v1::EvidenceKind> missing;
    for (const auto& requirement : evidence_) {
      if (!requirement.satisfied()) missing.push_back(requirement.kind());
    }
    return missing;
  }

  struct Entry {
    int index;
    std::string rule_id;
    int rank = 0;
  };

  std::vector<v1::EvidenceRequirement> evidence_;
  std::vector<Entry> actions_;
  std::vector<Entry> forbidden_;
  std::vector<Entry> risks_;

 private:
  std::set<int> seen_evidence_;
  std::set<int> seen_actions_;
  std::set<int> seen_forbidden_;
  std::set<int> seen_risks_;
};

void AddMatched(const std::string& rule_id, v1::Verdict verdict, int priority,
                std::string explanation, v1::Decision* decision) {
  v1::MatchedRule* matched = decision->add_matched_rules();
  matched->set_rule_id(rule_id);
  matched->set_verdict(verdict);
  matched->set_priority(priority);
  matched->set_explanation(std::move(explanation));
}

}  // namespace

v1::Decision CombineDecision(const BundleInternals& bundle,
                             const v1::RefundRequest& request) {
  v1::Decision decision;
  decision.set_request_id(request.request_id());
  decision.set_refund_id(request.refund_id());
  decision.mutable_policy()->set_bundle_name(bundle.name);
  decision.mutable_policy()->set_version(bundle.version);

  const size_t rule_count = bundle.rules.size();
  std::vector<RuleResult> results(rule_count);
  bool any_error = false;
  for (size_t i = 0; i < rule_count; ++i) {
    absl::StatusOr<bool> matched = bundle.rules[i].when->EvaluateBool(request);
    if (!matched.ok()) {
      results[i] = {Outcome::kError, std::string(matched.status().message())};
      any_error = true;
    } else if (*matched) {
      results[i].outcome = Outcome::kMatch;
    }
  }

  // The verdict: the first verdict rule that matched, unless one before it
  // could not be evaluated.
  int verdict_rule = -1;
  int blocking_error = -1;
  for (size_t i = 0; i < rule_count; ++i) {
    const CompiledRule& rule = bundle.rules[i];
    if (rule.verdict == v1::VERDICT_UNSPECIFIED ||
        !rule.only_for_verdicts.empty()) {
      continue;
    }
    if (results[i].outcome == Outcome::kMatch) {
      verdict_rule = static_cast<int>(i);
      break;
    }
    if (results[i].outcome == Outcome::kError) {
      blocking_error = static_cast<int>(i);
      break;
    }
  }
  v1::Verdict verdict = verdict_rule >= 0 ? bundle.rules[verdict_rule].verdict
                        : blocking_error >= 0 ? v1::VERDICT_NEGOTIATE
                                              : bundle.fallback_verdict;
  const v1::Verdict chosen = verdict;

  // What the engine itself decided (fallback, errors, REJECT without
  // evidence), listed after the rules.
  v1::Decision engine_notes;

  Contributions contributions;
  const CompiledRule* amount_rule = nullptr;
  for (size_t i = 0; i < rule_count; ++i) {
    const CompiledRule& rule = bundle.rules[i];
    if (results[i].outcome != Outcome::kMatch ||
        !rule.only_for_verdicts.empty()) {
      continue;
    }
    if (rule.verdict != v1::VERDICT_UNSPECIFIED && rule.verdict != chosen) {
      continue;
    }
    contributions.AddRule(bundle, rule, request);
    if (amount_rule == nullptr && rule.refund_amount != nullptr) {
      amount_rule = &rule;
    }
  }
  if (verdict_rule < 0 && blocking_error < 0) {
    AddMatched(kFallbackRuleId, verdict, 0, bundle.fallback_explanation,
               &engine_notes);
    for (int action : bundle.fallback_actions) {
      contributions.AddAction(bundle, action, kFallbackRuleId);
    }
  }
  if (blocking_error >= 0 || any_error) {
    AddMatched(kRuleErrorRuleId, verdict, 0,
               "a rule could not be evaluated on this case: a person must "
               "decide it",
               &engine_notes);
    contributions.AddAction(bundle, bundle.escalate_action, kRuleErrorRuleId);
  }

  std::vector<v1::EvidenceKind> missing = contributions.MissingEvidence();
  if (verdict == v1::VERDICT_REJECT && !missing.empty()) {
    verdict = v1::VERDICT_NEGOTIATE;
    std::vector<std::string> names;
    for (v1::EvidenceKind kind : missing) {
      names.push_back(v1::EvidenceKind_Name(kind));
    }
    AddMatched(
        kRejectNeedsEvidenceRuleId, verdict, 0,
        absl::StrCat(
            "REJECT by ",
            verdict_rule >= 0 ? bundle.rules[verdict_rule].id : kFallbackRuleId,
            " needs evidence not yet held: ", absl::StrJoin(names, ", "),
            "; negotiate and collect it first"),
        &engine_notes);
    contributions.AddAction(bundle, bundle.collect_evidence_action,
                            kRejectNeedsEvidenceRuleId);
  }
  for (size_t i = 0; i < rule_count; ++i) {
    const CompiledRule& rule = bundle.rules[i];
    if (results[i].outcome == Outcome::kMatch &&
        Contains(rule.only_for_verdicts, verdict)) {
      contributions.AddRule(bundle, rule, request);
    }
  }
  decision.set_verdict(verdict);

  // matched_rules: every rule that matched (post-verdict rules when they
  // applied) or failed, in evaluation order, then the engine's own notes.
  for (size_t i = 0; i < rule_count; ++i) {
    const CompiledRule& rule = bundle.rules[i];
    if (results[i].outcome == Outcome::kError) {
      AddMatched(rule.id, rule.verdict, rule.priority,
                 absl::StrCat("evaluation error: ", results[i].error),
                 &decision);
    } else if (results[i].outcome == Outcome::kMatch &&
               (rule.only_for_verdicts.empty() ||
                Contains(rule.only_for_verdicts, verdict))) {
      AddMatched(rule.id, rule.verdict, rule.priority, rule.explanation,
                 &decision);
    }
  }
  decision.mutable_matched_rules()->MergeFrom(engine_notes.matched_rules());

  // The amount.
  const int64_t requested = request.requested_amount().minor_units();
  const int64_t ceiling =
      std::min(requested, request.order().paid_amount().minor_units());
  int64_t amount = requested;
  if (verdict == v1::VERDICT_REJECT) {
    amount = 0;
  } else if (amount_rule != nullptr) {
    absl::StatusOr<int64_t> computed =
        amount_rule->refund_amount->EvaluateMoney(request);
    if (computed.ok()) {
      amount = *computed;
    } else {
      AddMatched(
          kRuleErrorRuleId, verdict, amount_rule->priority,
          absl::StrCat("refund_amount of ", amount_rule->id,
                       " could not be evaluated: ", computed.status().message(),
                       "; the requested amount is proposed"),
          &decision);
      contributions.AddAction(bundle, bundle.escalate_action, kRuleErrorRuleId);
    }
  }
  amount = std::clamp<int64_t>(amount, 0, std::max<int64_t>(ceiling, 0));
  decision.mutable_refund_amount()->set_currency(
      request.requested_amount().currency().empty()
          ? bundle.currency
          : request.requested_amount().currency());
  decision.mutable_refund_amount()->set_minor_units(amount);

  // The deadline.
  const absl::Time requested_at = ToTime(request.requested_at());
  absl::StatusOr<bool> urgent = bundle.urgent_when->EvaluateBool(request);
  // An urgent condition that cannot be evaluated is treated as urgent: the
  // shorter deadline is the safe one.
  absl::Time respond_by =
      requested_at +
      (!urgent.ok() || *urgent ? bundle.sla_urgent : bundle.sla_default);
  if (request.has_after_sale_deadline()) {
    respond_by = std::min(respond_by, ToTime(request.after_sale_deadline()));
  }
  SetTimestamp(respond_by, decision.mutable_respond_by());
  Timestamp call_from_timestamp;

  // Evidence, actions, forbidden conduct, risks, in the case's locale.
  const int locale = MatchLocale(bundle.locales, request.locale()).index;
  decision.set_locale(bundle.locales[locale]);
  for (v1::EvidenceRequirement& requirement : contributions.evidence_) {
    *decision.add_required_evidence() = std::move(requirement);
  }
  ScriptContext context;
  context.request = &request;
  context.refund_amount = amount;
  context.respond_by = respond_by;
  context.zone = bundle.calendar->zone;
  context.locale = bundle.locales[locale];
  context.missing_evidence = std::move(missing);
  std::stable_sort(
      contributions.actions_.begin(), contributions.actions_.end(),
      [](const Contributions::Entry& a, const Contributions::Entry& b) {
        return a.rank < b.rank;
      });
  SetTimestamp(OutsideQuietHours(requested_at, bundle), &call_from_timestamp);
  for (const Contributions::Entry& entry : contributions.actions_) {
    const CompiledAction& action = bundle.actions[entry.index];
    v1::SuggestedAction* out = decision.add_actions();
    out->set_code(action.code);
    out->set_script(action.scripts[locale].Render(context));
    out->set_rule_id(entry.rule_id);
    out->set_channel(action.channel);
    *out->mutable_due_by() = decision.respond_by();
    if (action.channel == v1::CHANNEL_PHONE) {
      *out->mutable_not_before() = call_from_timestamp;
    }
  }
  for (const Contributions::Entry& entry : contributions.forbidden_) {
    v1::ForbiddenAction* out = decision.add_forbidden();
    out->set_code(bundle.forbidden[entry.index].code);
    out->set_reason(bundle.forbidden[entry.index].texts[locale]);
    out->set_rule_id(entry.rule_id);
  }
  for (const Contributions::Entry& entry : contributions.risks_) {
    v1::Risk* out = decision.add_risks();
    out->set_code(bundle.risks[entry.index].code);
    out->set_description(bundle.risks[entry.index].texts[locale]);
    out->set_rule_id(entry.rule_id);
  }
  return decision;
}

}  // namespace refund

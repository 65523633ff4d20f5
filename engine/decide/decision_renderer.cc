#include "engine/decide/decision_renderer.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "engine/decide/decision_combiner.h"
#include "engine/expr/line_amounts.h"

namespace refund {
namespace {

using google::protobuf::Timestamp;

void SetTimestamp(absl::Time t, Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

absl::Time ToTime(const Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
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

const std::string& SourceId(const BundleInternals& bundle, int source) {
  static const std::string* const kFallback = new std::string(kFallbackRuleId);
  static const std::string* const kRuleError =
      new std::string(kRuleErrorRuleId);
  static const std::string* const kRejectNeedsEvidence =
      new std::string(kRejectNeedsEvidenceRuleId);
  switch (source) {
    case kSourceFallback:
      return *kFallback;
    case kSourceRuleError:
      return *kRuleError;
    case kSourceRejectNeedsEvidence:
      return *kRejectNeedsEvidence;
    default:
      return bundle.rule(source).id;
  }
}

std::string RejectNeedsEvidenceText(const BundleInternals& bundle,
                                    const DecisionOutcome& outcome) {
  std::string text = absl::StrCat("REJECT by ",
                                  outcome.verdict_rule >= 0
                                      ? bundle.rule(outcome.verdict_rule).id
                                      : kFallbackRuleId,
                                  " needs evidence not yet held: ");
  for (size_t i = 0; i < outcome.missing_evidence.size(); ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ", ",
                    v1::EvidenceKind_Name(outcome.missing_evidence[i]));
  }
  absl::StrAppend(&text, "; negotiate and collect it first");
  return text;
}

void SetExplanation(const BundleInternals& bundle,
                    const DecisionOutcome& outcome,
                    const DecisionOutcome::Matched& matched,
                    v1::MatchedRule* out) {
  if (matched.error >= 0) {
    out->set_explanation(outcome.errors[matched.error]);
    return;
  }
  switch (matched.source) {
    case kSourceFallback:
      out->set_explanation(bundle.fallback_explanation);
      return;
    case kSourceRuleError:
      out->set_explanation(
          "a rule could not be evaluated on this case: a person must decide "
          "it");
      return;
    case kSourceRejectNeedsEvidence:
      out->set_explanation(RejectNeedsEvidenceText(bundle, outcome));
      return;
    default:
      out->set_explanation(bundle.rule(matched.source).explanation);
      return;
  }
}

// Why a line gets `part` (line_results[].reason; proto/refund/v1).
const char* LineReason(v1::Verdict verdict, const expr::LineAmount& line,
                       int64_t part) {
  if (verdict == v1::VERDICT_REJECT) return "REJECTED";
  if (part == line.paid) return "FULL";
  if (part == line.expected) {
    const bool missing = line.missing_value > 0;
    const bool gift = line.gift_deduction > 0;
    if (missing && gift) return "MISSING_UNITS_AND_GIFT_DEDUCTED";
    if (missing) return "MISSING_UNITS_DEDUCTED";
    if (gift) return "GIFT_DEDUCTED";
  }
  return "REDUCED";
}

// The decision's amount over the requested lines (policies/README.md,
// "Order lines"): up to what each line is worth after its deductions
// (`expected`), split by those values; any amount above them split by what
// is left of each line's paid share. Both splits by the largest remainder,
// so the lines add up to the amount (the combiner keeps it within what was
// paid for the lines).
void RenderLineResults(const v1::RefundRequest& request,
                       const DecisionOutcome& outcome,
                       const std::string& currency, v1::Decision* decision) {
  expr::LineAmounts lines;
  if (!expr::ComputeLineAmounts(request, &lines)) lines = expr::LineAmounts();
  const int64_t total = outcome.refund_amount;
  std::vector<int64_t> expected;
  std::vector<int64_t> headroom;
  for (const expr::LineAmount& line : lines.lines) {
    expected.push_back(line.expected);
    headroom.push_back(line.paid - line.expected);
  }
  std::vector<int64_t> parts;
  if (total <= lines.expected) {
    parts = expr::SplitByLargestRemainder(total, expected);
  } else {
    parts = expr::SplitByLargestRemainder(total - lines.expected, headroom);
    for (size_t i = 0; i < parts.size(); ++i) parts[i] += expected[i];
  }
  decision->mutable_line_results()->Reserve(request.refund_items_size());
  for (int i = 0; i < request.refund_items_size(); ++i) {
    const expr::LineAmount& line = static_cast<size_t>(i) < lines.lines.size()
                                       ? lines.lines[i]
                                       : expr::LineAmount();
    const int64_t part = static_cast<size_t>(i) < parts.size() ? parts[i] : 0;
    v1::LineResult* out = decision->add_line_results();
    out->set_sku(request.refund_items(i).sku());
    out->set_quantity(request.refund_items(i).quantity());
    out->mutable_paid_amount()->set_currency(currency);
    out->mutable_paid_amount()->set_minor_units(line.paid);
    out->mutable_approved_amount()->set_currency(currency);
    out->mutable_approved_amount()->set_minor_units(part);
    out->set_reason(LineReason(outcome.verdict, line, part));
  }
}

}  // namespace

v1::Decision RenderDecision(const BundleInternals& bundle,
                            const v1::RefundRequest& request,
                            const DecisionOutcome& outcome) {
  v1::Decision decision;
  RenderDecisionInto(bundle, request, outcome, &decision);
  return decision;
}

void RenderDecisionInto(const BundleInternals& bundle,
                        const v1::RefundRequest& request,
                        const DecisionOutcome& outcome, v1::Decision* out) {
  v1::Decision& decision = *out;
  decision.set_request_id(request.request_id());
  decision.set_refund_id(request.refund_id());
  v1::PolicyRef& policy = *decision.mutable_policy();
  if (bundle.floor != nullptr) {
    policy.set_bundle_name(bundle.floor->name);
    policy.set_version(bundle.floor->version);
    policy.set_layer_shop_id(bundle.shop_id);
    policy.set_layer_version(bundle.version);
  } else {
    policy.set_bundle_name(bundle.name);
    policy.set_version(bundle.version);
  }
  decision.set_verdict(outcome.verdict);

  decision.mutable_matched_rules()->Reserve(
      static_cast<int>(outcome.matched.size()));
  for (const DecisionOutcome::Matched& matched : outcome.matched) {
    v1::MatchedRule* out = decision.add_matched_rules();
    out->set_rule_id(SourceId(bundle, matched.source));
    out->set_verdict(matched.verdict);
    out->set_priority(matched.priority);
    if (bundle.IsLayerRule(matched.source)) out->set_shop_layer(bundle.shop_id);
    SetExplanation(bundle, outcome, matched, out);
  }

  decision.mutable_refund_amount()->set_currency(
      request.requested_amount().currency().empty()
          ? bundle.currency
          : request.requested_amount().currency());
  decision.mutable_refund_amount()->set_minor_units(outcome.refund_amount);
  if (request.refund_items_size() > 0) {
    RenderLineResults(request, outcome, decision.refund_amount().currency(),
                      &decision);
  }
  SetTimestamp(outcome.respond_by, decision.mutable_respond_by());

  const int locale = outcome.locale;
  decision.set_locale(bundle.locales[locale]);
  decision.mutable_required_evidence()->Reserve(
      static_cast<int>(outcome.evidence.size()));
  for (const DecisionOutcome::Evidence& evidence : outcome.evidence) {
    const CompiledRule& rule = bundle.rule(evidence.rule);
    const v1::EvidenceSpec& spec = rule.evidence[evidence.spec];
    v1::EvidenceRequirement* out = decision.add_required_evidence();
    out->set_kind(spec.kind());
    out->set_reason(rule.evidence_reasons[evidence.spec][locale]);
    out->set_rule_id(rule.id);
    out->set_satisfied(evidence.satisfied);
  }

  ScriptContext context;
  context.request = &request;
  context.refund_amount = outcome.refund_amount;
  context.respond_by = outcome.respond_by;
  context.zone = bundle.calendar->zone;
  context.locale = bundle.locales[locale];
  context.missing_evidence.assign(outcome.missing_evidence.begin(),
                                  outcome.missing_evidence.end());
  // Values several scripts may name are formatted once.
  std::string respond_by_text;
  std::string missing_evidence_text;
  for (const DecisionOutcome::Entry& entry : outcome.actions) {
    const ScriptTemplate& script = bundle.action(entry.index).scripts[locale];
    if (context.respond_by_text == nullptr &&
        script.Uses(ScriptValue::kRespondBy)) {
      respond_by_text = FormatScriptValue(ScriptValue::kRespondBy, context);
      context.respond_by_text = &respond_by_text;
    }
    if (context.missing_evidence_text == nullptr &&
        script.Uses(ScriptValue::kMissingEvidence)) {
      missing_evidence_text =
          FormatScriptValue(ScriptValue::kMissingEvidence, context);
      context.missing_evidence_text = &missing_evidence_text;
    }
  }
  absl::Time call_from_time;
  Timestamp call_from;
  bool call_from_known = false;
  decision.mutable_actions()->Reserve(static_cast<int>(outcome.actions.size()));
  for (const DecisionOutcome::Entry& entry : outcome.actions) {
    const CompiledAction& action = bundle.action(entry.index);
    v1::SuggestedAction* out = decision.add_actions();
    out->set_code(action.code);
    action.scripts[locale].RenderTo(context, out->mutable_script());
    out->set_rule_id(SourceId(bundle, entry.source));
    out->set_channel(action.channel);
    *out->mutable_due_by() = decision.respond_by();
    if (action.channel == v1::CHANNEL_PHONE) {
      if (!call_from_known) {
        call_from_time =
            OutsideQuietHours(ToTime(request.requested_at()), bundle);
        SetTimestamp(call_from_time, &call_from);
        call_from_known = true;
      }
      *out->mutable_not_before() = call_from;
      // A call the quiet hours push past the deadline is due when it may
      // first be made, never before it may be made.
      if (call_from_time > outcome.respond_by)
        *out->mutable_due_by() = call_from;
    }
  }
  decision.mutable_forbidden()->Reserve(
      static_cast<int>(outcome.forbidden.size()));
  for (const DecisionOutcome::Entry& entry : outcome.forbidden) {
    v1::ForbiddenAction* out = decision.add_forbidden();
    out->set_code(bundle.forbidden_notice(entry.index).code);
    out->set_reason(bundle.forbidden_notice(entry.index).texts[locale]);
    out->set_rule_id(SourceId(bundle, entry.source));
  }
  decision.mutable_risks()->Reserve(static_cast<int>(outcome.risks.size()));
  for (const DecisionOutcome::Entry& entry : outcome.risks) {
    v1::Risk* out = decision.add_risks();
    out->set_code(bundle.risk(entry.index).code);
    out->set_description(bundle.risk(entry.index).texts[locale]);
    out->set_rule_id(SourceId(bundle, entry.source));
  }
}

}  // namespace refund

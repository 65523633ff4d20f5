#include "engine/decide/decision_combiner.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "engine/decide/decision_renderer.h"
#include "engine/decide/locale_match.h"
#include "engine/decide/verdict_generosity.h"
#include "engine/expr/line_amounts.h"
#include "engine/index/rule_index.h"

namespace refund {
namespace {

bool Contains(const std::vector<v1::Verdict>& verdicts, v1::Verdict verdict) {
  return std::find(verdicts.begin(), verdicts.end(), verdict) != verdicts.end();
}

template <typename Container, typename T>
bool Holds(const Container& items, const T& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

// A rule that matched or failed, in evaluation order (rules that did not
// match play no further part).
struct Hit {
  int rule = 0;
  int error = -1;  // index into DecisionOutcome::errors when it failed
};

// Collects contributions into the outcome without duplicates; the sets are
// small, so a linear scan beats a std::set.
class Contributions {
 public:
  Contributions(const BundleInternals& bundle, const v1::RefundRequest& request,
                DecisionOutcome* outcome)
      : bundle_(bundle), request_(request), outcome_(*outcome) {}

  void AddRule(int rule_index) {
    const CompiledRule& rule = bundle_.rule(rule_index);
    for (size_t i = 0; i < rule.evidence.size(); ++i) {
      const v1::EvidenceKind kind = rule.evidence[i].kind();
      if (Holds(evidence_kinds_, kind)) continue;
      evidence_kinds_.push_back(kind);
      outcome_.evidence.push_back(
          {rule_index, static_cast<int>(i), Holds(request_.evidence(), kind)});
    }
    for (int action : rule.actions) AddAction(action, rule_index);
    for (int forbidden : rule.forbidden) {
      AddOnce(forbidden, rule_index, &outcome_.forbidden);
    }
    for (int risk : rule.risks) AddOnce(risk, rule_index, &outcome_.risks);
  }

  void AddAction(int action, int source) {
    if (action >= 0) AddOnce(action, source, &outcome_.actions);
  }

 private:
  template <typename Entries>
  static void AddOnce(int index, int source, Entries* entries) {
    for (const DecisionOutcome::Entry& entry : *entries) {
      if (entry.index == index) return;
    }
    entries->push_back({index, source});
  }

  const BundleInternals& bundle_;
  const v1::RefundRequest& request_;
  DecisionOutcome& outcome_;
  absl::InlinedVector<v1::EvidenceKind, 8> evidence_kinds_;
};

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// One frame for the whole decision: the rules, urgent_when and the
// refund_amount expressions are compiled against the same root type (one
// environment), so preparing it once is enough, and argument-less helpers
// called by several of them run once.
struct DecisionFrame {
  DecisionFrame(const BundleInternals& bundle, const v1::RefundRequest& request)
      : init(bundle.urgent_when->program().InitFrame(&request, &frame)),
        step_budget(bundle.step_budget) {}

  // What expression->Evaluate{Bool,Money}(request) returns, in this frame;
  // `kind` is the result kind those methods require.
  bool Evaluate(const expr::Expression& expression, expr::ValueKind kind,
                expr::Value* out, absl::Status* error) {
    if (!init.ok() || expression.result_kind() != kind) {
      *error = kind == expr::ValueKind::kBool
                   ? expression.EvaluateBool(*frame.root).status()
                   : expression.EvaluateMoney(*frame.root).status();
      return false;
    }
    frame.program = &expression.program();
    frame.ResetSteps(step_budget);
    if (expr::Eval(expression.program().root(), frame, out)) return true;
    *error = std::move(frame.error);
    frame.error = absl::OkStatus();
    return false;
  }

  expr::Frame frame;
  const absl::Status init;
  // Each expression's evaluation gets the whole budget.
  const int64_t step_budget;
};

// Evaluates the selected rules in order; keeps the ones that matched or
// failed.
// `bundle`'s own rules; a hit's `rule` is the rule's source in `bundle`
// plus `source_offset` (the floor's rule count, for a layer's rules).
void EvaluateRules(const BundleInternals& bundle, RuleSelection selection,
                   DecisionFrame& decision, absl::InlinedVector<Hit, 16>* hits,
                   std::vector<std::string>* errors, int source_offset = 0) {
  const int rule_count = static_cast<int>(bundle.rules.size());
  if (rule_count == 0) return;
  expr::Frame& frame = decision.frame;
  const absl::Status& init = decision.init;
  CandidateList candidates;
  const bool indexed = selection == RuleSelection::kIndexed && init.ok();
  if (indexed) {
    bundle.rule_index.Candidates(frame, &candidates);
  } else {
    for (int i = 0; i < rule_count; ++i) candidates.push_back(i);
  }
  for (int i : candidates) {
    if (indexed && bundle.rule_index.MatchesWhenCandidate(i)) {
      hits->push_back({i + source_offset, -1});
      continue;
    }
    const expr::Program& program = bundle.rules[i].when->program();
    // A candidate's keys hold: only the rest of its condition is evaluated.
    const RuleIndex::Residual residual =
        indexed ? bundle.rule_index.ResidualOf(i) : RuleIndex::Residual();
    if (!init.ok()) {
      errors->push_back(std::string(init.message()));
      hits->push_back(
          {i + source_offset, static_cast<int>(errors->size()) - 1});
      continue;
    }
    frame.program = &program;
    // Each rule's evaluation gets the whole budget.
    frame.ResetSteps(bundle.step_budget);
    expr::Value value;
    if (residual.empty() ? expr::Eval(program.root(), frame, &value)
                         : expr::EvalConjunction(residual.begin,
                                                 residual.end - residual.begin,
                                                 frame, &value)) {
      if (value.b) hits->push_back({i + source_offset, -1});
      continue;
    }
    errors->push_back(std::string(frame.error.message()));
    frame.error = absl::OkStatus();
    hits->push_back({i + source_offset, static_cast<int>(errors->size()) - 1});
  }
}

// Stable insertion sort by catalog rank: the list is short, and
// std::stable_sort would allocate a buffer.
void SortByRank(const BundleInternals& bundle,
                absl::InlinedVector<DecisionOutcome::Entry, 16>* actions) {
  for (size_t i = 1; i < actions->size(); ++i) {
    const DecisionOutcome::Entry entry = (*actions)[i];
    const int rank = bundle.action(entry.index).rank;
    size_t j = i;
    for (; j > 0 && bundle.action((*actions)[j - 1].index).rank > rank; --j) {
      (*actions)[j] = (*actions)[j - 1];
    }
    (*actions)[j] = entry;
  }
}

using EngineNotes = absl::InlinedVector<DecisionOutcome::Matched, 4>;

// Step 2: the first verdict rule that matched, unless one before it could
// not be evaluated (then NEGOTIATE); the fallback when none matched.
struct VerdictChoice {
  int verdict_rule = -1;
  int blocking_error = -1;
  v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;
};
VerdictChoice ChooseVerdict(const BundleInternals& bundle,
                            absl::Span<const Hit> hits) {
  VerdictChoice choice;
  for (const Hit& hit : hits) {
    const CompiledRule& rule = bundle.rule(hit.rule);
    if (rule.verdict == v1::VERDICT_UNSPECIFIED ||
        !rule.only_for_verdicts.empty()) {
      continue;
    }
    (hit.error < 0 ? choice.verdict_rule : choice.blocking_error) = hit.rule;
    break;
  }
  choice.verdict = choice.verdict_rule >= 0
                       ? bundle.rule(choice.verdict_rule).verdict
                   : choice.blocking_error >= 0 ? v1::VERDICT_NEGOTIATE
                                                : bundle.fallback_verdict;
  return choice;
}

// The first contributor with a refund_amount among the floor's rules, and
// among a layer's own (null when none).
struct AmountRules {
  const CompiledRule* floor = nullptr;
  const CompiledRule* layer = nullptr;
};

// Step 3: the contributions of the matched rules that agree with the chosen
// verdict, then the engine's own (fallback, rule errors), noted in
// `engine_notes`.
AmountRules AddAgreeingRules(const BundleInternals& bundle,
                             absl::Span<const Hit> hits,
                             const VerdictChoice& choice, bool any_error,
                             Contributions& contributions,
                             EngineNotes& engine_notes) {
  AmountRules amount_rules;
  for (const Hit& hit : hits) {
    const CompiledRule& rule = bundle.rule(hit.rule);
    if (hit.error >= 0 || !rule.only_for_verdicts.empty()) continue;
    if (rule.verdict != v1::VERDICT_UNSPECIFIED &&
        rule.verdict != choice.verdict) {
      continue;
    }
    contributions.AddRule(hit.rule);
    const CompiledRule*& first =
        bundle.IsLayerRule(hit.rule) ? amount_rules.layer : amount_rules.floor;
    if (first == nullptr && rule.refund_amount != nullptr) first = &rule;
  }
  if (choice.verdict_rule < 0 && choice.blocking_error < 0) {
    engine_notes.push_back({kSourceFallback, choice.verdict, 0, -1});
    for (int action : bundle.fallback_actions) {
      contributions.AddAction(action, kSourceFallback);
    }
  }
  if (choice.blocking_error >= 0 || any_error) {
    engine_notes.push_back({kSourceRuleError, choice.verdict, 0, -1});
    contributions.AddAction(bundle.escalate_action, kSourceRuleError);
  }
  return amount_rules;
}

// Step 4: a REJECT whose required evidence is not all held becomes
// NEGOTIATE with COLLECT_EVIDENCE. Fills outcome->missing_evidence; returns
// the final verdict.
v1::Verdict RequireEvidenceForReject(const BundleInternals& bundle,
                                     v1::Verdict verdict,
                                     DecisionOutcome* outcome,
                                     Contributions& contributions,
                                     EngineNotes& engine_notes) {
  for (const DecisionOutcome::Evidence& evidence : outcome->evidence) {
    if (!evidence.satisfied) {
      outcome->missing_evidence.push_back(
          bundle.rule(evidence.rule).evidence[evidence.spec].kind());
    }
  }
  if (verdict == v1::VERDICT_REJECT && !outcome->missing_evidence.empty()) {
    verdict = v1::VERDICT_NEGOTIATE;
    engine_notes.push_back({kSourceRejectNeedsEvidence, verdict, 0, -1});
    contributions.AddAction(bundle.collect_evidence_action,
                            kSourceRejectNeedsEvidence);
  }
  return verdict;
}

// matched_rules: every rule that matched (post-verdict rules when they
// applied to `verdict`) or failed, in evaluation order, then the engine's
// own notes.
void ListMatchedRules(const BundleInternals& bundle, absl::Span<const Hit> hits,
                      v1::Verdict verdict, const EngineNotes& engine_notes,
                      DecisionOutcome* outcome) {
  for (const Hit& hit : hits) {
    const CompiledRule& rule = bundle.rule(hit.rule);
    if (hit.error >= 0 || rule.only_for_verdicts.empty() ||
        Contains(rule.only_for_verdicts, verdict)) {
      outcome->matched.push_back(
          {hit.rule, rule.verdict, rule.priority, hit.error});
    }
  }
  for (const DecisionOutcome::Matched& note : engine_notes) {
    outcome->matched.push_back(note);
  }
}

// `rule`'s refund_amount on this case; when it fails to evaluate, the
// failure is noted, the case escalated, and nothing is returned.
std::optional<int64_t> RuleAmount(const BundleInternals& bundle,
                                  v1::Verdict verdict, const CompiledRule& rule,
                                  DecisionFrame& decision,
                                  DecisionOutcome* outcome,
                                  Contributions& contributions) {
  expr::Value computed;
  absl::Status error;
  if (decision.Evaluate(*rule.refund_amount, expr::ValueKind::kMoney, &computed,
                        &error)) {
    return computed.i;
  }
  outcome->errors.push_back(
      absl::StrCat("refund_amount of ", rule.id, " could not be evaluated: ",
                   error.message(), "; the requested amount is proposed"));
  outcome->matched.push_back({kSourceRuleError, verdict, rule.priority,
                              static_cast<int>(outcome->errors.size()) - 1});
  contributions.AddAction(bundle.escalate_action, kSourceRuleError);
  return std::nullopt;
}

// Step 6: 0 for REJECT; else `amount_rule`'s amount (the requested amount
// when there is none, or it fails to evaluate: then the failure is noted and
// the case escalated). Not yet clamped.
int64_t RefundAmount(const BundleInternals& bundle,
                     const v1::RefundRequest& request, v1::Verdict verdict,
                     const CompiledRule* amount_rule, DecisionFrame& decision,
                     DecisionOutcome* outcome, Contributions& contributions) {
  if (verdict == v1::VERDICT_REJECT) return 0;
  if (amount_rule == nullptr) return request.requested_amount().minor_units();
  return RuleAmount(bundle, verdict, *amount_rule, decision, outcome,
                    contributions)
      .value_or(request.requested_amount().minor_units());
}

// `amount` within [0, min(requested, paid)], and for a request that names
// its lines within what was paid for them (engine/expr/line_amounts.h).
int64_t ClampAmount(const v1::RefundRequest& request, int64_t amount) {
  int64_t ceiling = std::min(request.requested_amount().minor_units(),
                             request.order().paid_amount().minor_units());
  if (request.refund_items_size() > 0) {
    expr::LineAmounts lines;
    ceiling = expr::ComputeLineAmounts(request, &lines)
                  ? std::min(ceiling, lines.paid)
                  : 0;
  }
  return std::clamp<int64_t>(amount, 0, std::max<int64_t>(ceiling, 0));
}

// Step 8: requested_at + the urgent or default SLA, never later than
// after_sale_deadline.
absl::Time RespondBy(const BundleInternals& bundle,
                     const v1::RefundRequest& request,
                     DecisionFrame& decision) {
  expr::Value urgent;
  absl::Status urgent_error;
  // An urgent condition that cannot be evaluated is treated as urgent: the
  // shorter deadline is the safe one.
  const bool is_urgent =
      !decision.Evaluate(*bundle.urgent_when, expr::ValueKind::kBool, &urgent,
                         &urgent_error) ||
      urgent.b;
  absl::Time respond_by = ToTime(request.requested_at()) +
                          (is_urgent ? bundle.sla_urgent : bundle.sla_default);
  if (request.has_after_sale_deadline()) {
    respond_by = std::min(respond_by, ToTime(request.after_sale_deadline()));
  }
  return respond_by;
}

// The verdict `choice` leads to on the floor alone: a REJECT becomes
// NEGOTIATE when an agreeing floor rule asks for evidence not held (step 4).
v1::Verdict FloorVerdictAlone(const BundleInternals& bundle,
                              const v1::RefundRequest& request,
                              absl::Span<const Hit> floor_hits,
                              const VerdictChoice& choice) {
  if (choice.verdict != v1::VERDICT_REJECT) return choice.verdict;
  for (const Hit& hit : floor_hits) {
    const CompiledRule& rule = bundle.rule(hit.rule);
    if (hit.error >= 0 || !rule.only_for_verdicts.empty() ||
        (rule.verdict != v1::VERDICT_UNSPECIFIED &&
         rule.verdict != choice.verdict)) {
      continue;
    }
    for (const v1::EvidenceSpec& spec : rule.evidence) {
      if (!Holds(request.evidence(), spec.kind())) {
        return v1::VERDICT_NEGOTIATE;
      }
    }
  }
  return choice.verdict;
}

// Adds what `floor` (the floor's decision alone) lists and `outcome` does
// not: its evidence, forbidden conduct and risks are never dropped.
void KeepFloorEntries(const BundleInternals& bundle,
                      const v1::RefundRequest& request,
                      const DecisionOutcome& floor, DecisionOutcome* outcome) {
  for (const DecisionOutcome::Evidence& evidence : floor.evidence) {
    const v1::EvidenceKind kind =
        bundle.rule(evidence.rule).evidence[evidence.spec].kind();
    bool listed = false;
    for (const DecisionOutcome::Evidence& have : outcome->evidence) {
      listed |= bundle.rule(have.rule).evidence[have.spec].kind() == kind;
    }
    if (!listed) {
      outcome->evidence.push_back(evidence);
      if (!Holds(request.evidence(), kind) &&
          !Holds(outcome->missing_evidence, kind)) {
        outcome->missing_evidence.push_back(kind);
      }
    }
  }
  const auto keep = [](const auto& from, auto* into) {
    for (const DecisionOutcome::Entry& entry : from) {
      bool listed = false;
      for (const DecisionOutcome::Entry& have : *into) {
        listed |= have.index == entry.index;
      }
      if (!listed) into->push_back(entry);
    }
  };
  keep(floor.forbidden, &outcome->forbidden);
  keep(floor.risks, &outcome->risks);
}

DecisionOutcome CombineFloorOutcome(const BundleInternals& bundle,
                                    const v1::RefundRequest& request,
                                    RuleSelection selection) {
  DecisionOutcome outcome;
  DecisionFrame decision(bundle, request);
  absl::InlinedVector<Hit, 16> hits;
  EvaluateRules(bundle, selection, decision, &hits, &outcome.errors);
  const bool any_error = !outcome.errors.empty();

  const VerdictChoice choice = ChooseVerdict(bundle, hits);
  outcome.verdict_rule = choice.verdict_rule;
  // What the engine itself decided (fallback, errors, REJECT without
  // evidence), listed after the rules.
  EngineNotes engine_notes;
  Contributions contributions(bundle, request, &outcome);
  const AmountRules amount_rules = AddAgreeingRules(
      bundle, hits, choice, any_error, contributions, engine_notes);
  const v1::Verdict verdict = RequireEvidenceForReject(
      bundle, choice.verdict, &outcome, contributions, engine_notes);
  // Step 5: the post-verdict rules of the final verdict.
  for (const Hit& hit : hits) {
    if (hit.error < 0 &&
        Contains(bundle.rule(hit.rule).only_for_verdicts, verdict)) {
      contributions.AddRule(hit.rule);
    }
  }
  outcome.verdict = verdict;
  ListMatchedRules(bundle, hits, verdict, engine_notes, &outcome);
  // Evaluation errors carry their full explanation.
  for (std::string& error : outcome.errors) {
    error = absl::StrCat("evaluation error: ", error);
  }

  outcome.refund_amount = ClampAmount(
      request, RefundAmount(bundle, request, verdict, amount_rules.floor,
                            decision, &outcome, contributions));
  outcome.respond_by = RespondBy(bundle, request, decision);
  outcome.locale = MatchLocale(bundle.locales, request.locale()).index;
  // Step 7.
  SortByRank(bundle, &outcome.actions);
  return outcome;
}

// A shop layer over its floor (policies/README.md, "Shop layers"): the
// floor's rules and the layer's are evaluated, each in its own order; the
// layer's verdict applies only when it is more generous than the floor's
// own; the floor's contributions are those of the verdict that applies, and
// when that is not the floor's own verdict, the floor's own evidence,
// forbidden conduct and risks are kept too; the amount is the floor's or
// more; respond_by the earlier of the two.
DecisionOutcome CombineLayeredOutcome(const BundleInternals& layer,
                                      const v1::RefundRequest& request,
                                      RuleSelection selection) {
  const BundleInternals& floor = *layer.floor;
  DecisionOutcome outcome;
  DecisionFrame floor_frame(floor, request);
  DecisionFrame layer_frame(layer, request);
  absl::InlinedVector<Hit, 16> hits;
  EvaluateRules(floor, selection, floor_frame, &hits, &outcome.errors);
  const size_t floor_hit_count = hits.size();
  EvaluateRules(layer, selection, layer_frame, &hits, &outcome.errors,
                layer.first_own_rule());
  const bool any_error = !outcome.errors.empty();
  const absl::Span<const Hit> all_hits(hits.data(), hits.size());
  const absl::Span<const Hit> floor_hits = all_hits.subspan(0, floor_hit_count);
  const absl::Span<const Hit> layer_hits = all_hits.subspan(floor_hit_count);

  const VerdictChoice floor_choice = ChooseVerdict(layer, floor_hits);
  const VerdictChoice layer_choice = ChooseVerdict(layer, layer_hits);
  const v1::Verdict floor_verdict =
      FloorVerdictAlone(layer, request, floor_hits, floor_choice);
  const bool raised = layer_choice.verdict_rule >= 0 &&
                      VerdictGenerosity(layer_choice.verdict) >
                          VerdictGenerosity(floor_verdict);
  VerdictChoice choice = raised ? layer_choice : floor_choice;
  if (raised) choice.blocking_error = -1;
  outcome.verdict_rule = choice.verdict_rule;

  EngineNotes engine_notes;
  Contributions contributions(layer, request, &outcome);
  const AmountRules amount_rules = AddAgreeingRules(
      layer, all_hits, choice, any_error, contributions, engine_notes);
  const v1::Verdict verdict = RequireEvidenceForReject(
      layer, choice.verdict, &outcome, contributions, engine_notes);
  for (const Hit& hit : all_hits) {
    if (hit.error >= 0) continue;
    const CompiledRule& rule = layer.rule(hit.rule);
    // Post-verdict rules; and a layer's rules of the final verdict when the
    // evidence rule changed it (so a layer's NEGOTIATE rule still speaks
    // when a floor REJECT became NEGOTIATE).
    if (Contains(rule.only_for_verdicts, verdict) ||
        (layer.IsLayerRule(hit.rule) && rule.only_for_verdicts.empty() &&
         rule.verdict == verdict && verdict != choice.verdict)) {
      contributions.AddRule(hit.rule);
    }
  }
  outcome.verdict = verdict;
  ListMatchedRules(layer, all_hits, verdict, engine_notes, &outcome);
  for (std::string& error : outcome.errors) {
    error = absl::StrCat("evaluation error: ", error);
  }

  int64_t amount = RefundAmount(layer, request, verdict, amount_rules.floor,
                                floor_frame, &outcome, contributions);
  if (verdict != v1::VERDICT_REJECT && amount_rules.layer != nullptr) {
    amount = std::max(amount, RuleAmount(layer, verdict, *amount_rules.layer,
                                         layer_frame, &outcome, contributions)
                                  .value_or(amount));
  }
  if (raised || verdict != floor_verdict) {
    // The floor's own decision bounds this one from below.
    const DecisionOutcome floor_alone =
        CombineFloorOutcome(floor, request, selection);
    KeepFloorEntries(layer, request, floor_alone, &outcome);
    amount = std::max(amount, floor_alone.refund_amount);
  }
  outcome.refund_amount = ClampAmount(request, amount);
  outcome.respond_by = std::min(RespondBy(floor, request, floor_frame),
                                RespondBy(layer, request, layer_frame));
  outcome.locale = MatchLocale(layer.locales, request.locale()).index;
  SortByRank(layer, &outcome.actions);
  return outcome;
}

}  // namespace

DecisionOutcome CombineOutcome(const BundleInternals& bundle,
                               const v1::RefundRequest& request,
                               RuleSelection selection) {
  return bundle.floor == nullptr
             ? CombineFloorOutcome(bundle, request, selection)
             : CombineLayeredOutcome(bundle, request, selection);
}

v1::Decision CombineDecision(const BundleInternals& bundle,
                             const v1::RefundRequest& request) {
  return RenderDecision(bundle, request, CombineOutcome(bundle, request));
}

}  // namespace refund

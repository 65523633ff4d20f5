#include "engine/load/floor_guard.h"

#include "absl/strings/str_cat.h"
#include "engine/decide/verdict_generosity.h"

namespace refund {
namespace {

// "APPROVE" for VERDICT_APPROVE.
std::string VerdictWord(v1::Verdict verdict) {
  std::string name = v1::Verdict_Name(verdict);
  return name.substr(name.find('_') + 1);
}

bool IsVerdictRule(const CompiledRule& rule) {
  return rule.verdict != v1::VERDICT_UNSPECIFIED &&
         rule.only_for_verdicts.empty();
}

// Whether two conditions (nullopt: not a conjunction, taken as `true`) may
// hold on one case.
bool MayOverlap(const std::optional<expr::Conjunction>& a,
                const std::optional<expr::Conjunction>& b) {
  if (!a.has_value() || !b.has_value()) return true;
  return expr::MaySatisfyBoth(*a, *b);
}

// Whether every case satisfying `specific` satisfies `general`.
bool Covers(const std::optional<expr::Conjunction>& general,
            const std::optional<expr::Conjunction>& specific) {
  if (!general.has_value()) return false;
  if (general->atoms.empty()) return true;
  return specific.has_value() && expr::Implies(*specific, *general);
}

}  // namespace

FloorGuard::FloorGuard(const BundleInternals& floor) : floor_(floor) {
  for (const CompiledRule& rule : floor.rules) {
    FloorRule analysed{&rule, expr::AsConjunction(*rule.when)};
    if (IsVerdictRule(rule)) verdict_rules_.push_back(analysed);
    if (rule.refund_amount != nullptr) amount_rules_.push_back(analysed);
  }
}

std::vector<FloorWeakening> FloorGuard::Check(const CompiledRule& rule) const {
  std::vector<FloorWeakening> found;
  const std::optional<expr::Conjunction> condition =
      expr::AsConjunction(*rule.when);
  if (condition.has_value() && expr::IsUnsatisfiable(*condition)) return found;

  if (IsVerdictRule(rule)) {
    bool decided_by_floor = false;
    // The floor rules undercut; one issue names the most generous (the
    // earliest among equals) and counts the others.
    const CompiledRule* worst = nullptr;
    int undercut = 0;
    // In the floor's order: the first floor rule whose condition holds on
    // every case of the layer rule decides them all, the ones after it none.
    for (const FloorRule& floor_rule : verdict_rules_) {
      if (!MayOverlap(condition, floor_rule.condition)) continue;
      decided_by_floor = Covers(floor_rule.condition, condition);
      if (VerdictGenerosity(floor_rule.rule->verdict) >
          VerdictGenerosity(rule.verdict)) {
        ++undercut;
        if (worst == nullptr || VerdictGenerosity(floor_rule.rule->verdict) >
                                    VerdictGenerosity(worst->verdict)) {
          worst = floor_rule.rule;
        }
      }
      if (decided_by_floor) break;
    }
    if (worst != nullptr) {
      found.push_back(
          {"verdict", worst->id,
           absl::StrCat("rule \"", rule.id, "\" gives ",
                        VerdictWord(rule.verdict),
                        " on cases where the floor's rule \"", worst->id,
                        "\" gives ", VerdictWord(worst->verdict),
                        undercut > 1 ? absl::StrCat(" (and ", undercut - 1,
                                                    " more floor rules give "
                                                    "more)")
                                     : "",
                        ": a shop layer may only be more generous than the "
                        "floor (REJECT < NEGOTIATE < APPROVE)")});
    }
    if (!decided_by_floor && VerdictGenerosity(floor_.fallback_verdict) >
                                 VerdictGenerosity(rule.verdict)) {
      found.push_back(
          {"verdict", "engine.fallback",
           absl::StrCat("rule \"", rule.id, "\" gives ",
                        VerdictWord(rule.verdict),
                        " on cases no floor rule decides, where the floor's "
                        "fallback gives ",
                        VerdictWord(floor_.fallback_verdict),
                        ": a shop layer may only be more generous than the "
                        "floor (REJECT < NEGOTIATE < APPROVE)")});
    }
  }

  if (rule.refund_amount != nullptr && rule.verdict != v1::VERDICT_REJECT) {
    for (const FloorRule& floor_rule : verdict_rules_) {
      const v1::Verdict verdict = floor_rule.rule->verdict;
      if (verdict == v1::VERDICT_REJECT ||
          (rule.verdict != v1::VERDICT_UNSPECIFIED &&
           rule.verdict != verdict) ||
          !MayOverlap(condition, floor_rule.condition)) {
        continue;
      }
      bool floor_may_set_amount = floor_rule.rule->refund_amount != nullptr;
      for (const FloorRule& amount_rule : amount_rules_) {
        if (floor_may_set_amount) break;
        const v1::Verdict amount_verdict = amount_rule.rule->verdict;
        floor_may_set_amount =
            (amount_verdict == v1::VERDICT_UNSPECIFIED ||
             amount_verdict == verdict) &&
            MayOverlap(condition, amount_rule.condition) &&
            MayOverlap(floor_rule.condition, amount_rule.condition);
      }
      if (floor_may_set_amount) continue;
      found.push_back(
          {"refund_amount", floor_rule.rule->id,
           absl::StrCat("rule \"", rule.id,
                        "\" sets a refund_amount on cases where the floor's "
                        "rule \"",
                        floor_rule.rule->id,
                        "\" grants the whole requested "
                        "amount (",
                        VerdictWord(verdict),
                        "): a shop layer may raise the floor's amount, never "
                        "lower it")});
    }
  }
  return found;
}

}  // namespace refund

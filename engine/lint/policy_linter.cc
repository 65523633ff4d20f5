#include "engine/lint/policy_linter.h"

#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "engine/decide/bundle_structure.h"
#include "engine/lint/conjunction.h"

namespace refund {
namespace {

bool SetsVerdict(const RuleStructure& rule) {
  return rule.verdict != v1::VERDICT_UNSPECIFIED && !rule.post_verdict;
}

}  // namespace

std::vector<LintFinding> LintBundle(const CompiledBundle& bundle) {
  const BundleStructure structure(bundle);
  std::vector<LintFinding> findings;
  const auto& rules = structure.rules();  // evaluation order

  std::vector<std::optional<expr::Conjunction>> conjunctions;
  for (const RuleStructure& rule : rules) {
    conjunctions.push_back(expr::AsConjunction(*rule.when));
  }

  for (size_t i = 0; i < rules.size(); ++i) {
    const RuleStructure& rule = rules[i];
    if (conjunctions[i].has_value() &&
        expr::IsUnsatisfiable(*conjunctions[i])) {
      findings.push_back({*rule.id, "never-matches",
                          absl::StrCat("the condition `", rule.when->text(),
                                       "` can never be true")});
      continue;
    }
    if (!SetsVerdict(rule) || !conjunctions[i].has_value()) continue;
    for (size_t j = 0; j < rules.size(); ++j) {
      const RuleStructure& other = rules[j];
      if (j == i || !SetsVerdict(other) || !conjunctions[j].has_value() ||
          other.verdict == rule.verdict) {
        continue;
      }
      const bool higher = j < i;  // evaluation order: earlier wins
      if (higher && other.priority > rule.priority &&
          expr::Implies(*conjunctions[i], *conjunctions[j])) {
        findings.push_back(
            {*rule.id, "shadowed",
             absl::StrCat("whenever it matches, ", *other.id, " (priority ",
                          other.priority, ", ", v1::Verdict_Name(other.verdict),
                          ") matches too and sets the verdict, so its ",
                          v1::Verdict_Name(rule.verdict), " never applies")});
      }
      if (j > i && other.priority == rule.priority &&
          expr::MaySatisfyBoth(*conjunctions[i], *conjunctions[j])) {
        findings.push_back(
            {*rule.id, "conflict",
             absl::StrCat("same priority ", rule.priority, " as ", *other.id,
                          ", another verdict (", v1::Verdict_Name(rule.verdict),
                          " vs ", v1::Verdict_Name(other.verdict),
                          "), and both can match one case; only the rule id "
                          "breaks the tie")});
      }
    }
  }

  // Catalog entries no rule names.
  std::set<int> used_actions(structure.engine_actions().begin(),
                             structure.engine_actions().end());
  std::set<int> used_forbidden, used_risks;
  for (const RuleStructure& rule : rules) {
    used_actions.insert(rule.actions.begin(), rule.actions.end());
    used_forbidden.insert(rule.forbidden.begin(), rule.forbidden.end());
    used_risks.insert(rule.risks.begin(), rule.risks.end());
  }
  for (size_t i = 0; i < structure.action_codes().size(); ++i) {
    if (!used_actions.count(static_cast<int>(i))) {
      findings.push_back({structure.action_codes()[i], "unused",
                          "action in the catalog that no rule uses"});
    }
  }
  for (size_t i = 0; i < structure.forbidden_codes().size(); ++i) {
    if (!used_forbidden.count(static_cast<int>(i))) {
      findings.push_back({structure.forbidden_codes()[i], "unused",
                          "forbidden conduct that no rule lists"});
    }
  }
  for (size_t i = 0; i < structure.risk_codes().size(); ++i) {
    if (!used_risks.count(static_cast<int>(i))) {
      findings.push_back(
          {structure.risk_codes()[i], "unused", "risk that no rule lists"});
    }
  }
  return findings;
}

}  // namespace refund

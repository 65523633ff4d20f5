#include "engine/rule_records.h"

#include "engine/bundle_internals.h"

namespace refund {

static_assert(sizeof(RuleRecords::Record) == 32, "two records per cache line");

RuleRecords RuleRecords::Build(const std::vector<CompiledRule>& rules,
                               const RuleIndex& index) {
  RuleRecords out;
  out.records_.reserve(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    const CompiledRule& rule = rules[i];
    const int r = static_cast<int>(i);
    Record record;
    record.program = &rule.when->program();
    record.priority = rule.priority;
    record.verdict = static_cast<uint8_t>(rule.verdict);
    if (!rule.only_for_verdicts.empty()) record.flags |= kPostVerdict;
    if (rule.refund_amount != nullptr) record.flags |= kHasAmount;
    if (index.MatchesWhenCandidate(r)) {
      record.flags |= kCertain;
    } else {
      const RuleIndex::Residual residual = index.ResidualOf(r);
      if (residual.empty() || residual.end - residual.begin > UINT16_MAX) {
        // (The whole condition has the residual's value on a candidate.)
        record.first = &record.program->root();
        record.conjunct_count = 1;
      } else {
        record.first = *residual.begin;
        record.conjunct_count =
            static_cast<uint16_t>(residual.end - residual.begin);
        if (record.conjunct_count > 1) {
          record.rest = static_cast<uint32_t>(out.nodes_.size());
          out.nodes_.insert(out.nodes_.end(), residual.begin, residual.end);
        }
      }
    }
    record.contributions = static_cast<uint32_t>(out.pool_.size());
    std::vector<int32_t>& pool = out.pool_;
    pool.push_back(static_cast<int32_t>(rule.evidence.size()));
    pool.push_back(static_cast<int32_t>(rule.actions.size()));
    pool.push_back(static_cast<int32_t>(rule.forbidden.size()));
    pool.push_back(static_cast<int32_t>(rule.risks.size()));
    pool.push_back(static_cast<int32_t>(rule.only_for_verdicts.size()));
    for (const v1::EvidenceSpec& evidence : rule.evidence) {
      pool.push_back(evidence.kind());
    }
    pool.insert(pool.end(), rule.actions.begin(), rule.actions.end());
    pool.insert(pool.end(), rule.forbidden.begin(), rule.forbidden.end());
    pool.insert(pool.end(), rule.risks.begin(), rule.risks.end());
    for (v1::Verdict verdict : rule.only_for_verdicts) pool.push_back(verdict);
    out.records_.push_back(record);
  }
  return out;
}

}  // namespace refund

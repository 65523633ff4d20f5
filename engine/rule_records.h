// What a decision reads of each rule, packed so that a candidate rule costs
// one or two cache lines: one 32-byte record per rule, in evaluation order
// (how to evaluate it on a candidate, its verdict, priority and flags), and
// each rule's contributions (evidence kinds, actions, forbidden conduct,
// risks, only_for_verdicts) as one run of int32s in a single pool. Reading
// CompiledRule instead touches its scattered fields, the separate heap
// blocks of its vectors and the expression objects on the way to the
// condition's nodes: with 10,000 rules none of that stays in the caches.
//
// Derived from the rules and the rule index when the bundle compiles
// (CompiledRule stays the full description, used for rendering). The
// records point into the rules' compiled expressions and the index's
// residual conjuncts: whoever owns those (BundleInternals) must outlive the
// records. Immutable after Build; thread-safe to read.
#ifndef ENGINE_RULE_RECORDS_H_
#define ENGINE_RULE_RECORDS_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "engine/expr/program.h"
#include "engine/rule_index.h"
#include "refund/v1/refund.pb.h"

namespace refund {

struct CompiledRule;

class RuleRecords {
 public:
  struct Record {
    // The rule's condition: the program to set as frame.program while
    // evaluating (evaluation errors quote its text).
    const expr::Program* program = nullptr;
    // What a candidate evaluates (RuleSelection::kIndexed): nothing when
    // kCertain; `*first` when conjunct_count is 1 (the whole condition, or
    // its only residual conjunct); otherwise the `&&` of the conjunct_count
    // residual conjuncts at conjuncts(record) (expr::EvalConjunction).
    const expr::Node* first = nullptr;
    uint32_t rest = 0;           // see conjuncts()
    uint32_t contributions = 0;  // offset of the rule's run in the pool
    int32_t priority = 0;
    uint16_t conjunct_count = 0;
    uint8_t verdict = 0;  // v1::Verdict
    uint8_t flags = 0;    // Flag bits
  };
  enum Flag : uint8_t {
    kCertain = 1,      // RuleIndex::MatchesWhenCandidate
    kPostVerdict = 2,  // only_for_verdicts is not empty
    kHasAmount = 4,    // refund_amount is set
  };
  // A rule's contributions, as catalog indexes and enum numbers.
  struct Contributions {
    absl::Span<const int32_t> evidence_kinds;  // of CompiledRule::evidence
    absl::Span<const int32_t> actions;
    absl::Span<const int32_t> forbidden;
    absl::Span<const int32_t> risks;
    absl::Span<const int32_t> only_for_verdicts;
  };

  RuleRecords() = default;

  // Records of `rules` (evaluation order) indexed by `index`. Rule counts
  // and list sizes must fit the fields (a uint16 of residual conjuncts, an
  // int32 per list length): any loadable bundle does.
  static RuleRecords Build(const std::vector<CompiledRule>& rules,
                           const RuleIndex& index);

  // Whether the records and contributions of a decision's rules are
  // unlikely to be in the caches already (more than kPrefetchFrom rules), so
  // that prefetching them pays for the extra instructions.
  static constexpr size_t kPrefetchFrom = 1024;
  bool worth_prefetching() const { return records_.size() > kPrefetchFrom; }

  const Record& operator[](int rule) const { return records_[rule]; }
  const Record* data() const { return records_.data(); }
  int size() const { return static_cast<int>(records_.size()); }

  // The residual conjuncts of a record with conjunct_count > 1.
  const expr::Node* const* conjuncts(const Record& record) const {
    return nodes_.data() + record.rest;
  }
  Contributions ContributionsOf(const Record& record) const {
    const int32_t* run = pool_.data() + record.contributions;
    const int32_t* list = run + 5;
    Contributions out;
    out.evidence_kinds = {list, static_cast<size_t>(run[0])};
    list += run[0];
    out.actions = {list, static_cast<size_t>(run[1])};
    list += run[1];
    out.forbidden = {list, static_cast<size_t>(run[2])};
    list += run[2];
    out.risks = {list, static_cast<size_t>(run[3])};
    list += run[3];
    out.only_for_verdicts = {list, static_cast<size_t>(run[4])};
    return out;
  }
  // The start of a record's contributions, to prefetch.
  const int32_t* ContributionsAddress(const Record& record) const {
    return pool_.data() + record.contributions;
  }

 private:
  std::vector<Record> records_;
  std::vector<const expr::Node*> nodes_;
  // Per rule: the five list lengths (evidence, actions, forbidden, risks,
  // only_for_verdicts), then the lists.
  std::vector<int32_t> pool_;
};

}  // namespace refund

#endif  // ENGINE_RULE_RECORDS_H_

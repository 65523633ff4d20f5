// A compile-time index of the rules' equality conditions, in the manner of a
// Rete alpha network or a decision-table index: a decision evaluates only the
// rules whose keyed conditions hold on the request, plus the rules that have
// none.
//
// Keys: the top-level conjuncts of a rule's condition (`a && b && c`, or the
// condition itself) that compare a scalar enum or string field of the
// request with constants: `request.reason == REASON_NO_REASON`,
// `REASON_NO_REASON == request.reason`, `request.shop_id == "shop-42"`,
// `request.type in [REQUEST_TYPE_RETURN_AND_REFUND, REQUEST_TYPE_EXCHANGE]`.
// Several keys on one field intersect. Rules are grouped by the set of fields
// they are keyed on; each group maps the tuple of values (the product of the
// `in` lists, at most kMaxKeyTuples per rule: beyond that the field with the
// most values is dropped from the rule's key) to its rules.
//
// Why this is exact: a rule that is not a candidate has a conjunct that is
// false on the request; reading a top-level field cannot fail, and `&&`
// absorbs errors (`false && error` is false), so the condition is false
// whatever its other conjuncts do. Candidates come out in evaluation order,
// so evaluating them in turn gives the results of evaluating every rule in
// order.
#ifndef ENGINE_RULE_INDEX_H_
#define ENGINE_RULE_INDEX_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "engine/expr/expression.h"

namespace refund {

// The candidate rules of one request, as indexes in evaluation order.
using CandidateList = absl::InlinedVector<int, 64>;

class RuleIndex {
 public:
  // Most value tuples one rule is filed under.
  static constexpr int kMaxKeyTuples = 64;

  // An index of no rules.
  RuleIndex() = default;

  // Indexes `conditions` (the rules' conditions in evaluation order, all
  // compiled against the same root type). The expressions must outlive the
  // index: it keeps pointers to their field reads.
  static RuleIndex Build(
      const std::vector<const expr::Expression*>& conditions);

  // The rules that may match, in increasing order, into `out` (replaced).
  // `frame` must be initialised (Program::InitFrame) for the request.
  void Candidates(expr::Frame& frame, CandidateList* out) const;

  int rule_count() const { return rule_count_; }
  // Rules filed under a key (the others are always candidates).
  int keyed_rule_count() const { return rule_count_ - unkeyed_count_; }

 private:
  struct Group {
    std::vector<int> fields;  // indexes into fields_, increasing
    absl::flat_hash_map<std::string, std::vector<int>> buckets;
  };

  int rule_count_ = 0;
  int unkeyed_count_ = 0;
  // The field reads (kSelect nodes of the root) the keys use; evaluated
  // once per decision.
  std::vector<const expr::Node*> fields_;
  std::vector<Group> groups_;
  std::vector<int> unkeyed_;  // rules without keys
};

}  // namespace refund

#endif  // ENGINE_RULE_INDEX_H_

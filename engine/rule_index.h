// A compile-time index of the rules' equality conditions, in the manner of a
// Rete alpha network or a decision-table index: a decision evaluates only the
// rules whose keyed conditions hold on the request, plus the rules that have
// none.
//
// Keys: the top-level conjuncts of a rule's condition (`a && b && c`, or the
// condition itself) that compare a scalar enum, string or bool field of the
// request (at any depth) with constants: `request.reason == REASON_NO_REASON`,
// `REASON_NO_REASON == request.reason`, `request.shop_id == "shop-42"`,
// `request.type in [REQUEST_TYPE_RETURN_AND_REFUND, REQUEST_TYPE_EXCHANGE]`,
// `request.flags.urgent` (== true), `!request.inspection.inspected`
// (== false), `has(request.return_shipment.received_at)`. Several keys on
// one field intersect. A top-level `a || b` whose every disjunct has keys is
// filed once per disjunct (when no disjunct's keys hold, each disjunct is
// false). The literal `true` matches every request. Rules are grouped by the
// set of fields they are keyed on; each group maps the tuple of values (the
// product of the `in` lists, at most kMaxKeyTuples per rule: beyond that the
// field with the most values is dropped from the rule's key) to its rules.
// Values are numbers: enums and bools as such, strings as the index of the
// constant among the field's constants (a request string that no rule names
// matches no tuple). A group keyed on one small-valued field is a table
// indexed by the value; the others are hash maps.
//
// Why this is exact: a rule that is not a candidate has a conjunct that is
// false on the request; reading an enum, string or bool field cannot fail
// (unset messages on the way read as defaults), and `&&` absorbs errors
// (`false && error` is false), so the condition is false whatever its other
// conjuncts do. Candidates come out in evaluation order, so evaluating them
// in turn gives the results of evaluating every rule in order.
//
// Immutable after Build; Candidates is const and thread-safe.
#ifndef ENGINE_RULE_INDEX_H_
#define ENGINE_RULE_INDEX_H_

#include <cstdint>
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

  // True when rule `rule` matches every request it is a candidate for: each
  // conjunct of its condition is a key the index checked, so evaluating it
  // can be skipped.
  bool MatchesWhenCandidate(int rule) const { return certain_[rule]; }

  int rule_count() const { return rule_count_; }
  // Fields read per decision, and groups looked up.
  int key_field_count() const { return static_cast<int>(fields_.size()); }
  int group_count() const { return static_cast<int>(groups_.size()); }
  // Rules filed under a key (the others are always candidates).
  int keyed_rule_count() const { return rule_count_ - unkeyed_count_; }

 private:
  using Tuple = absl::InlinedVector<int64_t, 4>;
  struct KeyField {
    const expr::Node* read = nullptr;  // a kSelect or kHas node of the root
    // String fields: the index of each constant some rule compares with.
    absl::flat_hash_map<std::string, int64_t> string_ids;
  };
  struct Group {
    std::vector<int> fields;  // indexes into fields_, increasing
    // When every field's values lie in [0, ranges[i]) and the product of the
    // ranges is at most kDenseLimit: a table indexed by the mixed-radix
    // number of the tuple, rules of cell c at dense_rules[dense_starts[c],
    // dense_starts[c + 1]).
    std::vector<int64_t> ranges;
    std::vector<uint32_t> dense_starts;
    std::vector<int> dense_rules;
    // Otherwise: rules by tuple.
    absl::flat_hash_map<Tuple, std::vector<int>> buckets;
  };
  static constexpr int64_t kDenseLimit = 4096;
  // Bundles of at most this many rules merge candidates through a bitmap.
  static constexpr int kBitmapRules = 1024;

  int rule_count_ = 0;
  int unkeyed_count_ = 0;
  std::vector<KeyField> fields_;  // read once per decision
  std::vector<Group> groups_;
  std::vector<int> unkeyed_;   // rules without keys
  std::vector<bool> certain_;  // MatchesWhenCandidate, by rule
};

}  // namespace refund

#endif  // ENGINE_RULE_INDEX_H_

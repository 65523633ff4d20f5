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
// matches no tuple).
//
// Storage, for few memory reads per decision: the key fields are read in one
// pass (key_read_plan.h). A bundle of few rules (at most KeyBitmap::kMaxSlots
// alternatives and unkeyed rules) keeps, per key field and value, the bitmap
// of the alternatives that allow the value (key_bitmap.h): the candidates are
// the AND of the request's bitmaps over the fields, a few word operations
// where the groups below would be some thirty look-ups on the shipped
// bundle. Otherwise an alternative keyed on a string field (shop ids: the
// field whose values grow with the bundle) is filed under that string in
// a partition of the field (key_partition.h): one hash slot, then one short
// contiguous run per string holding the string, its id and its alternatives
// as a rule and a mask of allowed values per other field, so a decision
// reads a few adjacent cache lines whatever the number of shops. The other
// alternatives are grouped by their set of fields: a group whose fields take
// few values (enums, bools) is a table indexed by the mixed-radix number of
// the tuple (all tables in one array); the rest are hash maps from the tuple.
// Both storages select the same alternatives: those whose every key field
// has one of the key's values (for the bitmaps, the slot of an alternative
// is set in a field's bitmap for a value exactly when the alternative does
// not constrain the field or lists the value; for the groups, the value
// tuples are the product of the alternative's lists), so a rule is a
// candidate exactly when one of its alternatives' keys hold, or it has none.
//
// Why this is exact (with either storage, as both select the same
// candidates): a rule that is not a candidate has a conjunct that is false
// on the request (in each disjunct, for a top-level `||`); reading an enum,
// string or bool field cannot fail (unset messages on the way read as
// defaults), and `&&` absorbs errors (`false && error` is false), so the
// condition is false whatever its other conjuncts do. Candidates come out in
// evaluation order, so evaluating them in turn gives the results of evaluating
// every rule in order.
//
// Immutable after Build; Candidates is const and thread-safe.
#ifndef ENGINE_INDEX_RULE_INDEX_H_
#define ENGINE_INDEX_RULE_INDEX_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "engine/expr/expression.h"
#include "engine/index/key_bitmap.h"
#include "engine/index/key_partition.h"
#include "engine/index/key_read_plan.h"

namespace refund {

// The candidate rules of one request, as indexes in evaluation order.
using CandidateList = absl::InlinedVector<int, 64>;

class RuleIndex {
 public:
  // Most value tuples one rule is filed under.
  static constexpr int kMaxKeyTuples = 64;

  // An index of no rules.
  RuleIndex() = default;

  // How Build stores the alternatives (see the comment at the top).
  enum class Storage {
    kAuto,    // bitmaps when the bundle fits them, else groups and partitions
    kLookup,  // always groups and partitions (to compare the two in tests)
  };

  // Indexes `conditions` (the rules' conditions in evaluation order, all
  // compiled against the same root type). The expressions must outlive the
  // index: it keeps pointers to their field reads.
  static RuleIndex Build(const std::vector<const expr::Expression*>& conditions,
                         Storage storage = Storage::kAuto);

  // The rules that may match, in increasing order, into `out` (replaced).
  // `frame` must be initialised (Program::InitFrame) for the request.
  void Candidates(expr::Frame& frame, CandidateList* out) const;

  // True when rule `rule` matches every request it is a candidate for: each
  // conjunct of its condition is a key the index checked, so evaluating it
  // can be skipped.
  bool MatchesWhenCandidate(int rule) const { return certain_[rule]; }

  // The conjuncts of rule `rule`'s condition that are not keys, in order,
  // when the condition is a conjunction with keys: on a request for which
  // the rule is a candidate its keys hold, so the condition's value (or
  // error) is that of these conjuncts' `&&` (expr::EvalConjunction), as
  // reading key fields cannot fail. Empty for the other rules (evaluate the
  // whole condition) and for the rules that MatchesWhenCandidate.
  struct Residual {
    const expr::Node* const* begin = nullptr;
    const expr::Node* const* end = nullptr;
    bool empty() const { return begin == end; }
  };
  Residual ResidualOf(int rule) const {
    const expr::Node* const* conjuncts = residual_conjuncts_.data();
    return {conjuncts + residual_starts_[rule],
            conjuncts + residual_starts_[rule + 1]};
  }

  int rule_count() const { return rule_count_; }
  // Whether candidates come from per-field bitmaps (key_bitmap.h).
  bool uses_bitmaps() const { return bitmap_.has_value(); }
  // Fields read per decision, and groups and partitions looked up (with
  // bitmaps: the partitions only map strings to their ids).
  int key_field_count() const { return plan_.field_count(); }
  int group_count() const {
    return static_cast<int>(dense_groups_.size() + hash_groups_.size() +
                            partitions_.size());
  }
  // Rules filed under a key (the others are always candidates).
  int keyed_rule_count() const { return rule_count_ - unkeyed_count_; }

 private:
  using Tuple = absl::InlinedVector<int64_t, 4>;
  // A group of small-valued fields: fields and ranges at
  // dense_keys_[keys_begin, keys_end); the rules of cell c at
  // dense_rules_[dense_starts_[starts_begin + c], ... + 1]).
  struct DenseGroup {
    uint32_t keys_begin = 0;
    uint32_t keys_end = 0;
    uint32_t starts_begin = 0;
  };
  struct DenseKey {
    int field = 0;
    int64_t range = 0;  // values lie in [0, range)
  };
  // Rules by tuple of `fields` (indexes into the plan's fields, increasing).
  struct HashGroup {
    std::vector<int> fields;
    absl::flat_hash_map<Tuple, std::vector<int>> buckets;
  };
  // Alternatives keyed on string field `field`, filed by the string.
  struct Partition {
    int field = 0;
    KeyPartition keys;
  };
  // Build's steps (rule_index.cc): every rule's alternatives filed under
  // their key fields; then, without bitmaps, the string-keyed alternatives
  // stored in partitions and the others in groups by their set of fields.
  struct FiledAlternative;
  struct Filing;
  void FileRules(const std::vector<const expr::Expression*>& conditions,
                 Filing* filing);
  // Returns the alternatives left for the groups, by their fields.
  std::map<std::vector<int>, std::vector<const FiledAlternative*>>
  AddPartitions(const Filing& filing);
  // A dense table when the fields' values are small numbers, else a hash map.
  void AddGroup(const std::vector<int>& fields,
                const std::vector<const FiledAlternative*>& alternatives);

  static constexpr int64_t kDenseLimit = 4096;
  // Bundles of at most this many rules (without bitmap_) merge the groups'
  // candidates through a bitmap.
  static constexpr int kBitmapRules = 1024;

  int rule_count_ = 0;
  int unkeyed_count_ = 0;
  KeyReadPlan plan_;  // read once per decision
  // Set: the candidates, instead of the groups (partitions_ then hold no
  // alternatives, only the string fields' ids).
  std::optional<KeyBitmap> bitmap_;
  std::vector<DenseGroup> dense_groups_;
  std::vector<DenseKey> dense_keys_;
  std::vector<uint32_t> dense_starts_;
  std::vector<int> dense_rules_;
  std::vector<HashGroup> hash_groups_;
  std::vector<Partition> partitions_;  // one per string field
  std::vector<int> unkeyed_;           // rules without keys
  std::vector<uint8_t> certain_;       // MatchesWhenCandidate, by rule
  // ResidualOf(r): residual_conjuncts_[residual_starts_[r], [r + 1]).
  std::vector<uint32_t> residual_starts_;
  std::vector<const expr::Node*> residual_conjuncts_;
};

}  // namespace refund

#endif  // ENGINE_INDEX_RULE_INDEX_H_

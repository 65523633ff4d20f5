#include "engine/rule_index.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <utility>

#include "absl/container/fixed_array.h"

namespace refund {
namespace {

using expr::FieldRead;
using expr::Node;
using expr::Op;

// A read of a scalar enum, string or bool field of the root at any depth,
// or has() of a field of the root: its value on a request can always be read
// (unset messages on the way read as defaults).
bool IsKeyField(const Node& node) {
  if (node.path.empty() || node.children.size() != 1 ||
      node.children[0]->op != Op::kRoot) {
    return false;
  }
  return node.op == Op::kHas ||
         (node.op == Op::kSelect &&
          (node.read == FieldRead::kEnum || node.read == FieldRead::kString ||
           node.read == FieldRead::kBool));
}

bool IsBoolKeyField(const Node& node) {
  return IsKeyField(node) &&
         (node.op == Op::kHas || node.read == FieldRead::kBool);
}

bool IsStringKeyField(const Node& node) {
  return node.op == Op::kSelect && node.read == FieldRead::kString;
}

// A constant compared with a key field: the string, or the number (enum
// number, bool as 0/1). False when not a constant of the field's kind.
struct KeyValue {
  std::string text;
  int64_t number = 0;
  bool operator<(const KeyValue& o) const {
    return text != o.text ? text < o.text : number < o.number;
  }
  bool operator==(const KeyValue& o) const {
    return text == o.text && number == o.number;
  }
};

bool ConstantValue(const Node& field, const Node& constant, KeyValue* out) {
  if (constant.op != Op::kConstant) return false;
  *out = KeyValue();
  if (IsStringKeyField(field)) {
    if (constant.kind != expr::ValueKind::kString) return false;
    out->text = constant.string_constant;
    return true;
  }
  if (IsBoolKeyField(field)) {
    if (constant.constant.rep != expr::Rep::kBool) return false;
    out->number = constant.constant.b ? 1 : 0;
    return true;
  }
  if (constant.constant.rep != expr::Rep::kInt) return false;
  out->number = constant.constant.i;
  return true;
}

// Fields are identified by their path and whether they are read or tested
// for presence.
using FieldPath =
    std::pair<bool, std::vector<const google::protobuf::FieldDescriptor*>>;
FieldPath PathOf(const Node& field) {
  return {field.op == Op::kHas, field.path};
}
// The keys of one rule: for each field, its read and the values it may take.
using RuleKeys =
    std::map<FieldPath, std::pair<const Node*, std::vector<KeyValue>>>;

// Adds the key a conjunct states, if any (returns whether it did);
// intersects with an earlier key on the same field.
bool AddConjunctKey(const Node& conjunct, RuleKeys* keys) {
  const Node* field = nullptr;
  std::vector<KeyValue> values;
  KeyValue value;
  if (IsBoolKeyField(conjunct)) {
    field = &conjunct;  // `flag`
    values.push_back({"", 1});
  } else if (conjunct.op == Op::kNot && conjunct.children.size() == 1 &&
             IsBoolKeyField(*conjunct.children[0])) {
    field = conjunct.children[0].get();  // `!flag`
    values.push_back({"", 0});
  } else if (conjunct.op == Op::kEqual && conjunct.children.size() == 2) {
    for (int side = 0; side < 2; ++side) {
      const Node& a = *conjunct.children[side];
      const Node& b = *conjunct.children[1 - side];
      if (IsKeyField(a) && ConstantValue(a, b, &value)) {
        field = &a;
        values.push_back(value);
        break;
      }
    }
  } else if (conjunct.op == Op::kIn && conjunct.children.size() == 2 &&
             IsKeyField(*conjunct.children[0]) &&
             conjunct.children[1]->op == Op::kList) {
    field = conjunct.children[0].get();
    for (const auto& element : conjunct.children[1]->children) {
      if (!ConstantValue(*field, *element, &value)) return false;
      values.push_back(value);
    }
  }
  if (field == nullptr) return false;
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  auto [it, inserted] = keys->try_emplace(PathOf(*field), field, values);
  if (inserted) return true;
  std::vector<KeyValue>& held = it->second.second;
  std::vector<KeyValue> both;
  std::set_intersection(held.begin(), held.end(), values.begin(), values.end(),
                        std::back_inserter(both));
  held = std::move(both);
  return true;
}

// The keys of a conjunction (or of a single conjunct); `complete` tells
// whether every conjunct is a key.
RuleKeys ConjunctionKeys(const Node& node, bool* complete) {
  RuleKeys keys;
  *complete = true;
  if (node.op == Op::kAnd) {
    for (const auto& conjunct : node.children) {
      *complete = AddConjunctKey(*conjunct, &keys) && *complete;
    }
  } else {
    *complete = AddConjunctKey(node, &keys);
  }
  // Keep the product of the value lists small.
  for (;;) {
    size_t tuples = 1;
    auto widest = keys.end();
    for (auto it = keys.begin(); it != keys.end(); ++it) {
      tuples *= std::max<size_t>(it->second.second.size(), 1);
      if (widest == keys.end() ||
          it->second.second.size() > widest->second.second.size()) {
        widest = it;
      }
    }
    if (tuples <= static_cast<size_t>(RuleIndex::kMaxKeyTuples)) break;
    keys.erase(widest);
    *complete = false;
  }
  return keys;
}

// The alternatives a condition is filed under: one for a conjunction, one
// per disjunct of a top-level `||` (the rule may match when any
// alternative's keys hold; when none hold, every disjunct is false). Empty
// when some alternative has no key: the rule is always a candidate.
// `certain`: every alternative is all keys, so the keys holding decide the
// match (`true || error` is true).
std::vector<RuleKeys> AlternativesOf(const expr::Expression& condition,
                                     bool* certain) {
  const Node& root = condition.program().root();
  std::vector<const Node*> disjuncts;
  if (root.op == Op::kOr) {
    for (const auto& child : root.children) disjuncts.push_back(child.get());
  } else {
    disjuncts.push_back(&root);
  }
  std::vector<RuleKeys> alternatives;
  *certain = true;
  for (const Node* disjunct : disjuncts) {
    bool complete = false;
    alternatives.push_back(ConjunctionKeys(*disjunct, &complete));
    *certain = *certain && complete;
    if (alternatives.back().empty()) {
      // The literal `true` matches every request without evaluation.
      *certain = root.op == Op::kConstant &&
                 root.constant.rep == expr::Rep::kBool && root.constant.b;
      return {};
    }
  }
  return alternatives;
}

// Every tuple of one value per field, in field order.
template <typename Tuple>
std::vector<Tuple> Tuples(const std::vector<std::vector<int64_t>>& values) {
  std::vector<Tuple> tuples = {Tuple()};
  for (const std::vector<int64_t>& choices : values) {
    std::vector<Tuple> next;
    for (const Tuple& prefix : tuples) {
      for (int64_t value : choices) {
        next.push_back(prefix);
        next.back().push_back(value);
      }
    }
    tuples = std::move(next);
  }
  return tuples;
}

// The value of key field `field` on the frame's root as a number (strings:
// through `string_ids`) by its generated accessors, as the evaluator would
// read it but without its dispatch; false when an accessor is missing (the
// caller then evaluates the node).
bool ReadKeyFast(const Node& field, const expr::Frame& frame,
                 const absl::flat_hash_map<std::string, int64_t>& string_ids,
                 int64_t* out) {
  if (!frame.generated || field.accessors.size() != field.path.size()) {
    return false;
  }
  const google::protobuf::Message* m = frame.root;
  const size_t last = field.path.size() - 1;
  for (size_t i = 0; i < last; ++i) {
    const expr::FieldAccessor* a = field.accessors[i];
    if (a == nullptr || a->message == nullptr) return false;
    m = a->message(*m);
  }
  const expr::FieldAccessor* a = field.accessors[last];
  if (a == nullptr) return false;
  if (field.op == Op::kHas) {
    if (a->has == nullptr) return false;
    *out = a->has(*m) ? 1 : 0;
  } else if (field.read == FieldRead::kString) {
    if (a->string == nullptr) return false;
    const std::string_view text = a->string(*m);
    const auto it =
        string_ids.find(absl::string_view(text.data(), text.size()));
    *out = it == string_ids.end() ? -1 : it->second;
  } else {
    if (a->integer == nullptr) return false;
    *out = a->integer(*m);
    if (field.read == FieldRead::kBool) *out = *out != 0 ? 1 : 0;
  }
  return true;
}

// Two disjuncts of one rule may file it under the same tuple.
void AddOnce(int rule, std::vector<int>* rules) {
  if (rules->empty() || rules->back() != rule) rules->push_back(rule);
}

}  // namespace

RuleIndex RuleIndex::Build(
    const std::vector<const expr::Expression*>& conditions) {
  RuleIndex index;
  index.rule_count_ = static_cast<int>(conditions.size());
  index.certain_.assign(conditions.size(), false);
  std::map<FieldPath, int> field_numbers;
  std::map<std::vector<int>, int> group_numbers;
  // Per group: the rules and their tuples, filed once all rules are seen.
  std::vector<std::vector<std::pair<int, std::vector<Tuple>>>> filed;
  // Files `rule` under the tuples of `keys`. Fields are numbered in order of
  // first use; a group lists its fields in increasing number, and a tuple
  // follows that order.
  const auto file = [&](int rule, const RuleKeys& keys) {
    std::vector<std::pair<int, std::vector<int64_t>>> fields;
    for (const auto& [path, read_and_values] : keys) {
      auto [it, inserted] = field_numbers.try_emplace(
          path, static_cast<int>(index.fields_.size()));
      if (inserted) {
        index.fields_.push_back(KeyField{read_and_values.first, {}});
      }
      KeyField& field = index.fields_[it->second];
      std::vector<int64_t> numbers;
      for (const KeyValue& value : read_and_values.second) {
        if (!IsStringKeyField(*field.read)) {
          numbers.push_back(value.number);
          continue;
        }
        const auto id = field.string_ids.try_emplace(
            value.text, static_cast<int64_t>(field.string_ids.size()));
        numbers.push_back(id.first->second);
      }
      fields.emplace_back(it->second, std::move(numbers));
    }
    std::sort(fields.begin(), fields.end());
    std::vector<int> signature;
    std::vector<std::vector<int64_t>> values;
    for (auto& [number, field_values] : fields) {
      signature.push_back(number);
      values.push_back(std::move(field_values));
    }
    auto [group, inserted] = group_numbers.try_emplace(
        signature, static_cast<int>(index.groups_.size()));
    if (inserted) {
      index.groups_.emplace_back();
      index.groups_.back().fields = signature;
      filed.emplace_back();
    }
    filed[group->second].emplace_back(rule, Tuples<Tuple>(values));
  };
  for (int rule = 0; rule < index.rule_count_; ++rule) {
    bool certain = false;
    const std::vector<RuleKeys> alternatives =
        AlternativesOf(*conditions[rule], &certain);
    index.certain_[rule] = certain;
    if (alternatives.empty()) {
      index.unkeyed_.push_back(rule);
      continue;
    }
    for (const RuleKeys& keys : alternatives) {
      file(rule, keys);
    }
  }
  for (size_t g = 0; g < index.groups_.size(); ++g) {
    Group& group = index.groups_[g];
    // Each field's range of values; dense when all are small numbers.
    group.ranges.assign(group.fields.size(), 1);
    bool dense = true;
    for (const auto& [rule, tuples] : filed[g]) {
      for (const Tuple& tuple : tuples) {
        for (size_t i = 0; i < tuple.size(); ++i) {
          dense = dense && tuple[i] >= 0 && tuple[i] < kDenseLimit;
          group.ranges[i] = std::max(group.ranges[i], tuple[i] + 1);
        }
      }
    }
    int64_t cells = 1;
    for (int64_t range : group.ranges) {
      dense = dense && cells * range <= kDenseLimit;
      if (dense) cells *= range;
    }
    if (!dense) {
      group.ranges.clear();
      for (const auto& [rule, tuples] : filed[g]) {
        for (const Tuple& tuple : tuples) AddOnce(rule, &group.buckets[tuple]);
      }
      continue;
    }
    std::vector<std::vector<int>> by_cell(cells);
    for (const auto& [rule, tuples] : filed[g]) {
      for (const Tuple& tuple : tuples) {
        int64_t cell = 0;
        for (size_t i = 0; i < tuple.size(); ++i) {
          cell = cell * group.ranges[i] + tuple[i];
        }
        AddOnce(rule, &by_cell[cell]);
      }
    }
    group.dense_starts.push_back(0);
    for (const std::vector<int>& rules : by_cell) {
      group.dense_rules.insert(group.dense_rules.end(), rules.begin(),
                               rules.end());
      group.dense_starts.push_back(
          static_cast<uint32_t>(group.dense_rules.size()));
    }
  }
  index.unkeyed_count_ = static_cast<int>(index.unkeyed_.size());
  return index;
}

void RuleIndex::Candidates(expr::Frame& frame, CandidateList* out) const {
  out->clear();
  // The request's value of every key field.
  absl::FixedArray<int64_t, 64> values(fields_.size());
  for (size_t f = 0; f < fields_.size(); ++f) {
    const KeyField& field = fields_[f];
    if (ReadKeyFast(*field.read, frame, field.string_ids, &values[f])) {
      continue;
    }
    expr::Value value;
    // These reads do not fail (see IsKeyField); if one ever did, fall back to
    // every rule rather than skip rules.
    if (!expr::Eval(*field.read, frame, &value)) {
      frame.error = absl::OkStatus();
      for (int rule = 0; rule < rule_count_; ++rule) out->push_back(rule);
      return;
    }
    if (IsStringKeyField(*field.read)) {
      const auto it = field.string_ids.find(
          absl::string_view(value.s.data(), value.s.size()));
      values[f] = it == field.string_ids.end() ? -1 : it->second;
    } else if (IsBoolKeyField(*field.read)) {
      values[f] = value.b ? 1 : 0;
    } else {
      values[f] = value.i;
    }
  }

  // The unkeyed rules and the rules of one cell or bucket per group.
  using Span = std::pair<const int*, const int*>;
  absl::InlinedVector<Span, 32> spans;
  if (!unkeyed_.empty()) {
    spans.emplace_back(unkeyed_.data(), unkeyed_.data() + unkeyed_.size());
  }
  Tuple tuple;
  for (const Group& group : groups_) {
    const size_t width = group.fields.size();
    if (!group.ranges.empty()) {
      const int* fields = group.fields.data();
      const int64_t* ranges = group.ranges.data();
      int64_t cell = 0;
      size_t i = 0;
      for (; i < width; ++i) {
        const int64_t v = values[fields[i]];
        if (v < 0 || v >= ranges[i]) break;
        cell = cell * ranges[i] + v;
      }
      if (i < width) continue;
      const uint32_t first = group.dense_starts[cell];
      const uint32_t last = group.dense_starts[cell + 1];
      if (first == last) continue;
      spans.emplace_back(group.dense_rules.data() + first,
                         group.dense_rules.data() + last);
    } else {
      tuple.clear();
      for (int field : group.fields) tuple.push_back(values[field]);
      const auto it = group.buckets.find(tuple);
      if (it == group.buckets.end()) continue;
      spans.emplace_back(it->second.data(),
                         it->second.data() + it->second.size());
    }
  }

  // In evaluation order, each rule once (a rule filed under several
  // alternatives may be in several spans): through a bitmap for small
  // bundles, by sorting otherwise.
  if (rule_count_ <= kBitmapRules) {
    uint64_t bits[kBitmapRules / 64] = {};
    for (const auto& [begin, end] : spans) {
      for (const int* rule = begin; rule != end; ++rule) {
        bits[*rule >> 6] |= uint64_t{1} << (*rule & 63);
      }
    }
    const int words = (rule_count_ + 63) / 64;
    for (int w = 0; w < words; ++w) {
      for (uint64_t word = bits[w]; word != 0; word &= word - 1) {
        out->push_back(w * 64 + __builtin_ctzll(word));
      }
    }
    return;
  }
  for (const auto& [begin, end] : spans) out->insert(out->end(), begin, end);
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

}  // namespace refund

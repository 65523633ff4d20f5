#include "engine/index/rule_index.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
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
bool AddConjunctKey(const Node& conjunct, RuleKeys* keys,
                    FieldPath* keyed_field) {
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
  *keyed_field = PathOf(*field);
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
// whether every conjunct is a key. `residual` (may be null): the conjuncts of
// a conjunction that are not keys of the result, in order.
RuleKeys ConjunctionKeys(const Node& node, bool* complete,
                         std::vector<const Node*>* residual) {
  RuleKeys keys;
  *complete = true;
  // Per conjunct: its key's field, if it is a key.
  std::vector<std::pair<const Node*, std::optional<FieldPath>>> conjuncts;
  const auto add = [&](const Node& conjunct) {
    FieldPath path;
    const bool keyed = AddConjunctKey(conjunct, &keys, &path);
    conjuncts.emplace_back(
        &conjunct, keyed ? std::optional<FieldPath>(path) : std::nullopt);
    return keyed;
  };
  if (node.op == Op::kAnd) {
    for (const auto& conjunct : node.children) {
      *complete = add(*conjunct) && *complete;
    }
  } else {
    *complete = add(node);
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
  if (residual != nullptr) {
    // A conjunct whose field kept its key holds on every request the keys
    // select (several on one field: their values were intersected).
    for (const auto& [conjunct, path] : conjuncts) {
      if (!path.has_value() || keys.count(*path) == 0) {
        residual->push_back(conjunct);
      }
    }
  }
  return keys;
}

// The alternatives a condition is filed under: one for a conjunction, one
// per disjunct of a top-level `||` (the rule may match when any
// alternative's keys hold; when none hold, every disjunct is false). Empty
// when some alternative has no key: the rule is always a candidate.
// `certain`: every alternative is all keys, so the keys holding decide the
// match (`true || error` is true).
// `residual`: for a condition that is one conjunction (no top-level `||`)
// with keys, the conjuncts left to evaluate on a candidate.
std::vector<RuleKeys> AlternativesOf(const expr::Expression& condition,
                                     bool* certain,
                                     std::vector<const Node*>* residual) {
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
    alternatives.push_back(ConjunctionKeys(
        *disjunct, &complete, disjuncts.size() == 1 ? residual : nullptr));
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

// Two disjuncts of one rule may file it under the same tuple.
void AddOnce(int rule, std::vector<int>* rules) {
  if (rules->empty() || rules->back() != rule) rules->push_back(rule);
}

}  // namespace

// The alternatives of every rule, filed under their key fields: Build's
// first step, shared by both storages.
struct RuleIndex::FiledAlternative {
  int rule = 0;
  // Key fields in increasing number, each with the values it may take
  // (strings as their id).
  std::vector<int> fields;
  std::vector<std::vector<int64_t>> values;
};

struct RuleIndex::Filing {
  // Key fields, numbered in order of first use.
  std::map<FieldPath, int> field_numbers;
  std::vector<const Node*> reads;
  // Per field: the id of each string constant (string fields only).
  std::vector<absl::flat_hash_map<std::string, int64_t>> ids;
  std::vector<FiledAlternative> filed;

  void File(int rule, const RuleKeys& keys) {
    std::vector<std::pair<int, std::vector<int64_t>>> fields;
    for (const auto& [path, read_and_values] : keys) {
      auto [it, inserted] =
          field_numbers.try_emplace(path, static_cast<int>(reads.size()));
      if (inserted) {
        reads.push_back(read_and_values.first);
        ids.emplace_back();
      }
      const int f = it->second;
      std::vector<int64_t> numbers;
      for (const KeyValue& value : read_and_values.second) {
        if (!IsStringKeyField(*reads[f])) {
          numbers.push_back(value.number);
          continue;
        }
        const auto id =
            ids[f].try_emplace(value.text, static_cast<int64_t>(ids[f].size()));
        numbers.push_back(id.first->second);
      }
      fields.emplace_back(f, std::move(numbers));
    }
    std::sort(fields.begin(), fields.end());
    FiledAlternative alternative;
    alternative.rule = rule;
    for (auto& [number, field_values] : fields) {
      alternative.fields.push_back(number);
      alternative.values.push_back(std::move(field_values));
    }
    filed.push_back(std::move(alternative));
  }

  // String field `f`'s constants, by id.
  std::vector<std::string> StringsOf(size_t f) const {
    std::vector<std::string> keys(ids[f].size());
    for (const auto& [text, id] : ids[f]) keys[id] = text;
    return keys;
  }
};

RuleIndex RuleIndex::Build(
    const std::vector<const expr::Expression*>& conditions, Storage storage) {
  RuleIndex index;
  Filing filing;
  index.FileRules(conditions, &filing);
  index.plan_ = KeyReadPlan::Build(filing.reads);
  if (storage == Storage::kAuto) {
    std::vector<KeyBitmap::Alternative> alternatives;
    for (const FiledAlternative& alternative : filing.filed) {
      KeyBitmap::Alternative keyed;
      keyed.rule = alternative.rule;
      for (size_t i = 0; i < alternative.fields.size(); ++i) {
        keyed.conditions.emplace_back(alternative.fields[i],
                                      alternative.values[i]);
      }
      alternatives.push_back(std::move(keyed));
    }
    index.bitmap_ = KeyBitmap::Build(
        index.rule_count_, static_cast<int>(filing.reads.size()), alternatives);
  }
  if (index.bitmap_.has_value()) {
    // The partitions only find the request's strings' ids.
    for (size_t f = 0; f < filing.reads.size(); ++f) {
      if (!IsStringKeyField(*filing.reads[f])) continue;
      const std::vector<std::string> keys = filing.StringsOf(f);
      index.partitions_.push_back(
          {static_cast<int>(f),
           KeyPartition::Build(
               keys, std::vector<std::vector<KeyPartition::Alternative>>(
                         keys.size()))});
    }
    return index;
  }
  for (const auto& [fields, alternatives] : index.AddPartitions(filing)) {
    index.AddGroup(fields, alternatives);
  }
  return index;
}

void RuleIndex::FileRules(
    const std::vector<const expr::Expression*>& conditions, Filing* filing) {
  rule_count_ = static_cast<int>(conditions.size());
  certain_.assign(conditions.size(), 0);
  for (int rule = 0; rule < rule_count_; ++rule) {
    bool certain = false;
    std::vector<const Node*> residual;
    const std::vector<RuleKeys> alternatives =
        AlternativesOf(*conditions[rule], &certain, &residual);
    certain_[rule] = certain ? 1 : 0;
    residual_starts_.push_back(
        static_cast<uint32_t>(residual_conjuncts_.size()));
    if (alternatives.empty()) {
      unkeyed_.push_back(rule);
      continue;
    }
    // Only a conjunction of more than one conjunct, some of them keys, has a
    // residual worth evaluating instead of the whole condition.
    const Node& root = conditions[rule]->program().root();
    if (!certain && root.op == Op::kAnd &&
        residual.size() < root.children.size()) {
      residual_conjuncts_.insert(residual_conjuncts_.end(), residual.begin(),
                                 residual.end());
    }
    for (const RuleKeys& keys : alternatives) filing->File(rule, keys);
  }
  residual_starts_.push_back(static_cast<uint32_t>(residual_conjuncts_.size()));
  unkeyed_count_ = static_cast<int>(unkeyed_.size());
}

std::map<std::vector<int>, std::vector<const RuleIndex::FiledAlternative*>>
RuleIndex::AddPartitions(const Filing& filing) {
  // Alternatives with a string key go to the partition of the string field
  // with the most constants among theirs, under the string's id, in filing
  // order; the alternative's other fields become its conditions.
  const std::vector<const Node*>& reads = filing.reads;
  std::vector<int> partition_of(reads.size(), -1);
  std::vector<std::vector<std::vector<KeyPartition::Alternative>>> by_id;
  for (size_t f = 0; f < reads.size(); ++f) {
    if (!IsStringKeyField(*reads[f])) continue;
    partition_of[f] = static_cast<int>(by_id.size());
    by_id.emplace_back(filing.ids[f].size());
  }
  // The other alternatives, grouped by their fields.
  std::map<std::vector<int>, std::vector<const FiledAlternative*>> groups;
  for (const FiledAlternative& alternative : filing.filed) {
    int lead = -1;  // position in alternative.fields
    for (size_t i = 0; i < alternative.fields.size(); ++i) {
      const int f = alternative.fields[i];
      if (partition_of[f] < 0) continue;
      if (lead < 0 ||
          filing.ids[f].size() > filing.ids[alternative.fields[lead]].size()) {
        lead = static_cast<int>(i);
      }
    }
    if (lead < 0) {
      groups[alternative.fields].push_back(&alternative);
      continue;
    }
    KeyPartition::Alternative keyed;
    keyed.rule = alternative.rule;
    for (size_t i = 0; i < alternative.fields.size(); ++i) {
      if (static_cast<int>(i) == lead) continue;
      keyed.conditions.emplace_back(alternative.fields[i],
                                    alternative.values[i]);
    }
    std::vector<std::vector<KeyPartition::Alternative>>& of_field =
        by_id[partition_of[alternative.fields[lead]]];
    for (int64_t id : alternative.values[lead]) {
      of_field[id].push_back(keyed);
    }
  }
  for (size_t f = 0; f < reads.size(); ++f) {
    if (partition_of[f] < 0) continue;
    partitions_.push_back(
        {static_cast<int>(f),
         KeyPartition::Build(filing.StringsOf(f), by_id[partition_of[f]])});
  }
  return groups;
}

void RuleIndex::AddGroup(
    const std::vector<int>& fields,
    const std::vector<const FiledAlternative*>& alternatives) {
  // Each field's range of values; dense when all are small numbers.
  std::vector<int64_t> ranges(fields.size(), 1);
  bool dense = true;
  std::vector<std::pair<int, std::vector<Tuple>>> tuples;
  for (const FiledAlternative* alternative : alternatives) {
    tuples.emplace_back(alternative->rule, Tuples<Tuple>(alternative->values));
    for (const Tuple& tuple : tuples.back().second) {
      for (size_t i = 0; i < tuple.size(); ++i) {
        dense = dense && tuple[i] >= 0 && tuple[i] < kDenseLimit;
        ranges[i] = std::max(ranges[i], tuple[i] + 1);
      }
    }
  }
  int64_t cells = 1;
  for (int64_t range : ranges) {
    dense = dense && cells * range <= kDenseLimit;
    if (dense) cells *= range;
  }
  if (!dense) {
    HashGroup group;
    group.fields = fields;
    for (const auto& [rule, rule_tuples] : tuples) {
      for (const Tuple& tuple : rule_tuples) {
        AddOnce(rule, &group.buckets[tuple]);
      }
    }
    hash_groups_.push_back(std::move(group));
    return;
  }
  std::vector<std::vector<int>> by_cell(cells);
  for (const auto& [rule, rule_tuples] : tuples) {
    for (const Tuple& tuple : rule_tuples) {
      int64_t cell = 0;
      for (size_t i = 0; i < tuple.size(); ++i) {
        cell = cell * ranges[i] + tuple[i];
      }
      AddOnce(rule, &by_cell[cell]);
    }
  }
  DenseGroup group;
  group.keys_begin = static_cast<uint32_t>(dense_keys_.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    dense_keys_.push_back({fields[i], ranges[i]});
  }
  group.keys_end = static_cast<uint32_t>(dense_keys_.size());
  group.starts_begin = static_cast<uint32_t>(dense_starts_.size());
  dense_starts_.push_back(static_cast<uint32_t>(dense_rules_.size()));
  for (const std::vector<int>& rules : by_cell) {
    dense_rules_.insert(dense_rules_.end(), rules.begin(), rules.end());
    dense_starts_.push_back(static_cast<uint32_t>(dense_rules_.size()));
  }
  dense_groups_.push_back(group);
}

void RuleIndex::Candidates(expr::Frame& frame, CandidateList* out) const {
  out->clear();
  // The request's value of every key field; strings as their id.
  const int field_count = plan_.field_count();
  absl::FixedArray<int64_t, 64> values(field_count);
  absl::FixedArray<std::string_view, 8> texts(plan_.text_count());
  if (!plan_.Read(frame, values.data(), texts.data())) {
    // These reads do not fail (see IsKeyField); if one ever did, fall back
    // to every rule rather than skip rules.
    for (int rule = 0; rule < rule_count_; ++rule) out->push_back(rule);
    return;
  }
  // Each string field's run in its partition (null: no rule names the
  // request's string), and its id.
  absl::FixedArray<const uint32_t*, 8> runs(partitions_.size());
  for (size_t p = 0; p < partitions_.size(); ++p) {
    const Partition& partition = partitions_[p];
    runs[p] = partition.keys.Find(texts[plan_.text_index(partition.field)]);
    values[partition.field] =
        runs[p] == nullptr ? -1 : KeyPartition::IdOf(runs[p]);
  }
  if (bitmap_.has_value()) {
    bitmap_->Candidates(values.data(), out);
    return;
  }

  // The unkeyed rules, the rules of one cell or bucket per group and of the
  // matching entries of each partition, each rule once (a rule filed under
  // several alternatives may come several times), in evaluation order:
  // through a bitmap for small bundles, by sorting otherwise.
  const bool bitmap = rule_count_ <= kBitmapRules;
  uint64_t bits[kBitmapRules / 64];
  if (bitmap) std::fill_n(bits, (rule_count_ + 63) / 64, 0);
  const auto add = [&](const int* begin, const int* end) {
    if (bitmap) {
      for (; begin != end; ++begin) {
        bits[*begin >> 6] |= uint64_t{1} << (*begin & 63);
      }
    } else {
      out->insert(out->end(), begin, end);
    }
  };
  add(unkeyed_.data(), unkeyed_.data() + unkeyed_.size());
  for (const DenseGroup& group : dense_groups_) {
    int64_t cell = 0;
    uint32_t k = group.keys_begin;
    for (; k < group.keys_end; ++k) {
      const DenseKey& key = dense_keys_[k];
      const int64_t v = values[key.field];
      if (v < 0 || v >= key.range) break;
      cell = cell * key.range + v;
    }
    if (k < group.keys_end) continue;
    const uint32_t* starts = dense_starts_.data() + group.starts_begin + cell;
    add(dense_rules_.data() + starts[0], dense_rules_.data() + starts[1]);
  }
  Tuple tuple;
  for (const HashGroup& group : hash_groups_) {
    tuple.clear();
    for (int field : group.fields) tuple.push_back(values[field]);
    const auto it = group.buckets.find(tuple);
    if (it == group.buckets.end()) continue;
    add(it->second.data(), it->second.data() + it->second.size());
  }
  for (size_t p = 0; p < partitions_.size(); ++p) {
    if (runs[p] == nullptr) continue;
    partitions_[p].keys.AddMatches(runs[p], values.data(),
                                   [&](int rule) { add(&rule, &rule + 1); });
  }

  if (bitmap) {
    const int words = (rule_count_ + 63) / 64;
    for (int w = 0; w < words; ++w) {
      for (uint64_t word = bits[w]; word != 0; word &= word - 1) {
        out->push_back(w * 64 + __builtin_ctzll(word));
      }
    }
    return;
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

}  // namespace refund

#include "engine/rule_index.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <utility>

namespace refund {
namespace {

using expr::Node;
using expr::Op;

// Key values are encoded as bytes: an enum as its 8-byte number, a string
// as a 4-byte length and its bytes; a tuple is the concatenation in field
// order.
template <typename Buffer>
void AppendEnum(int64_t number, Buffer* key) {
  char bytes[sizeof(number)];
  std::memcpy(bytes, &number, sizeof(number));
  key->insert(key->end(), bytes, bytes + sizeof(bytes));
}

template <typename Buffer>
void AppendString(absl::string_view text, Buffer* key) {
  const uint32_t size = static_cast<uint32_t>(text.size());
  char bytes[sizeof(size)];
  std::memcpy(bytes, &size, sizeof(size));
  key->insert(key->end(), bytes, bytes + sizeof(bytes));
  key->insert(key->end(), text.begin(), text.end());
}

// A read of a scalar enum or string field of the root: its value on a
// request can always be read.
bool IsKeyField(const Node& node) {
  return node.op == Op::kSelect && node.path.size() == 1 &&
         node.children.size() == 1 && node.children[0]->op == Op::kRoot &&
         (node.read == expr::FieldRead::kEnum ||
          node.read == expr::FieldRead::kString);
}

// The encoded value of a constant compared with `field`, or false when the
// constant is not of a form the index understands.
bool EncodeConstant(const Node& field, const Node& constant, std::string* out) {
  if (constant.op != Op::kConstant) return false;
  out->clear();
  if (field.read == expr::FieldRead::kString) {
    if (constant.kind != expr::ValueKind::kString) return false;
    AppendString(constant.string_constant, out);
    return true;
  }
  if (constant.constant.rep != expr::Rep::kInt) return false;
  AppendEnum(constant.constant.i, out);
  return true;
}

// The keys of one rule: for each field, the encoded values it may take.
using RuleKeys = std::map<const google::protobuf::FieldDescriptor*,
                          std::pair<const Node*, std::vector<std::string>>>;

// Adds the key a conjunct states, if any; intersects with an earlier key on
// the same field.
void AddConjunctKey(const Node& conjunct, RuleKeys* keys) {
  const Node* field = nullptr;
  std::vector<std::string> values;
  std::string encoded;
  if (conjunct.op == Op::kEqual && conjunct.children.size() == 2) {
    for (int side = 0; side < 2; ++side) {
      const Node& a = *conjunct.children[side];
      const Node& b = *conjunct.children[1 - side];
      if (IsKeyField(a) && EncodeConstant(a, b, &encoded)) {
        field = &a;
        values.push_back(encoded);
        break;
      }
    }
  } else if (conjunct.op == Op::kIn && conjunct.children.size() == 2 &&
             IsKeyField(*conjunct.children[0]) &&
             conjunct.children[1]->op == Op::kList) {
    field = conjunct.children[0].get();
    for (const auto& element : conjunct.children[1]->children) {
      if (!EncodeConstant(*field, *element, &encoded)) return;
      values.push_back(encoded);
    }
  }
  if (field == nullptr) return;
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  auto [it, inserted] = keys->try_emplace(field->path[0], field, values);
  if (inserted) return;
  std::vector<std::string>& held = it->second.second;
  std::vector<std::string> both;
  std::set_intersection(held.begin(), held.end(), values.begin(), values.end(),
                        std::back_inserter(both));
  held = std::move(both);
}

RuleKeys KeysOf(const expr::Expression& condition) {
  const Node& root = condition.program().root();
  RuleKeys keys;
  if (root.op == Op::kAnd) {
    for (const auto& conjunct : root.children) AddConjunctKey(*conjunct, &keys);
  } else {
    AddConjunctKey(root, &keys);
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
  }
  return keys;
}

// Every concatenation of one value per field, in field order.
std::vector<std::string> Tuples(
    const std::vector<const std::vector<std::string>*>& values) {
  std::vector<std::string> tuples = {""};
  for (const std::vector<std::string>* choices : values) {
    std::vector<std::string> next;
    for (const std::string& prefix : tuples) {
      for (const std::string& value : *choices) next.push_back(prefix + value);
    }
    tuples = std::move(next);
  }
  return tuples;
}

}  // namespace

RuleIndex RuleIndex::Build(
    const std::vector<const expr::Expression*>& conditions) {
  RuleIndex index;
  index.rule_count_ = static_cast<int>(conditions.size());
  std::map<const google::protobuf::FieldDescriptor*, int> field_numbers;
  std::map<std::vector<int>, int> group_numbers;
  for (int rule = 0; rule < index.rule_count_; ++rule) {
    const RuleKeys keys = KeysOf(*conditions[rule]);
    if (keys.empty()) {
      index.unkeyed_.push_back(rule);
      continue;
    }
    // Fields are numbered in order of first use; a group lists its fields in
    // increasing number, and a tuple follows that order.
    std::vector<std::pair<int, const std::vector<std::string>*>> fields;
    for (const auto& [descriptor, node_and_values] : keys) {
      auto [it, inserted] = field_numbers.try_emplace(
          descriptor, static_cast<int>(index.fields_.size()));
      if (inserted) index.fields_.push_back(node_and_values.first);
      fields.emplace_back(it->second, &node_and_values.second);
    }
    std::sort(fields.begin(), fields.end());
    std::vector<int> signature;
    std::vector<const std::vector<std::string>*> values;
    for (const auto& [number, field_values] : fields) {
      signature.push_back(number);
      values.push_back(field_values);
    }
    auto [group, inserted] = group_numbers.try_emplace(
        signature, static_cast<int>(index.groups_.size()));
    if (inserted) index.groups_.push_back(Group{signature, {}});
    for (const std::string& tuple : Tuples(values)) {
      index.groups_[group->second].buckets[tuple].push_back(rule);
    }
  }
  index.unkeyed_count_ = static_cast<int>(index.unkeyed_.size());
  return index;
}

void RuleIndex::Candidates(expr::Frame& frame, CandidateList* out) const {
  out->clear();
  // The request's value of every key field, encoded.
  absl::InlinedVector<std::pair<uint32_t, uint32_t>, 8> spans;
  absl::InlinedVector<char, 256> encoded;
  for (const Node* field : fields_) {
    expr::Value value;
    const uint32_t begin = static_cast<uint32_t>(encoded.size());
    // A top-level field read does not fail; if it ever did, no tuple would
    // hold the empty encoding and the keyed rules would be skipped, so fall
    // back to every rule instead.
    if (!expr::Eval(*field, frame, &value)) {
      frame.error = absl::OkStatus();
      for (int rule = 0; rule < rule_count_; ++rule) out->push_back(rule);
      return;
    }
    if (field->read == expr::FieldRead::kString) {
      AppendString(absl::string_view(value.s.data(), value.s.size()), &encoded);
    } else {
      AppendEnum(value.i, &encoded);
    }
    spans.emplace_back(begin, static_cast<uint32_t>(encoded.size()) - begin);
  }

  // The lists to merge: the unkeyed rules and one bucket per group.
  absl::InlinedVector<const std::vector<int>*, 16> lists;
  if (!unkeyed_.empty()) lists.push_back(&unkeyed_);
  absl::InlinedVector<char, 256> key;
  for (const Group& group : groups_) {
    key.clear();
    for (int field : group.fields) {
      const char* begin = encoded.data() + spans[field].first;
      key.insert(key.end(), begin, begin + spans[field].second);
    }
    auto it = group.buckets.find(absl::string_view(key.data(), key.size()));
    if (it != group.buckets.end()) lists.push_back(&it->second);
  }
  if (lists.size() == 1) {
    out->assign(lists[0]->begin(), lists[0]->end());
    return;
  }
  // k-way merge; the lists are disjoint and each is increasing.
  absl::InlinedVector<size_t, 16> next(lists.size(), 0);
  for (;;) {
    int best = -1;
    for (size_t i = 0; i < lists.size(); ++i) {
      if (next[i] < lists[i]->size() &&
          (best < 0 || (*lists[i])[next[i]] < (*lists[best])[next[best]])) {
        best = static_cast<int>(i);
      }
    }
    if (best < 0) return;
    out->push_back((*lists[best])[next[best]++]);
  }
}

}  // namespace refund

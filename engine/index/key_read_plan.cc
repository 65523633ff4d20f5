#include "engine/index/key_read_plan.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/container/fixed_array.h"

namespace refund {

using expr::FieldRead;
using expr::Node;
using expr::Op;

KeyReadPlan KeyReadPlan::Build(const std::vector<const Node*>& reads) {
  KeyReadPlan plan;
  plan.reads_ = reads;
  // Slot of each sub-message, by its path from the root.
  std::map<std::vector<const google::protobuf::FieldDescriptor*>, int> slots;
  for (const Node* read : reads) {
    const bool text =
        read->op == Op::kSelect && read->read == FieldRead::kString;
    plan.text_index_.push_back(text ? plan.text_count_++ : -1);
    Leaf leaf;
    leaf.field = static_cast<int>(plan.leaves_.size());
    leaf.out = text ? plan.text_index_.back() : leaf.field;
    const size_t last = read->path.size() - 1;
    const bool accessible = read->accessors.size() == read->path.size() &&
                            read->accessors[last] != nullptr;
    // The sub-messages on the way, each read once.
    int slot = 0;
    bool walkable = accessible;
    std::vector<const google::protobuf::FieldDescriptor*> prefix;
    for (size_t i = 0; walkable && i < last; ++i) {
      const expr::FieldAccessor* a = read->accessors[i];
      if (a == nullptr || a->message == nullptr) {
        walkable = false;
        break;
      }
      prefix.push_back(read->path[i]);
      auto [it, inserted] =
          slots.try_emplace(prefix, static_cast<int>(plan.steps_.size()) + 1);
      if (inserted) plan.steps_.push_back({slot, a->message});
      slot = it->second;
    }
    if (walkable) {
      const expr::FieldAccessor* a = read->accessors[last];
      leaf.slot = slot;
      leaf.accessor = a;
      if (read->op == Op::kHas) {
        if (read->path[last]->is_repeated()) {
          if (a->size != nullptr) leaf.kind = LeafKind::kNonEmpty;
        } else if (a->has != nullptr) {
          leaf.kind = LeafKind::kHas;
        }
      } else if (read->read == FieldRead::kString) {
        if (a->string != nullptr) leaf.kind = LeafKind::kString;
      } else if (read->read == FieldRead::kBool) {
        if (a->integer != nullptr) leaf.kind = LeafKind::kBool;
      } else if (read->read == FieldRead::kEnum) {
        if (a->integer != nullptr) leaf.kind = LeafKind::kInteger;
      }
    }
    plan.leaves_.push_back(leaf);
  }
  std::stable_sort(
      plan.leaves_.begin(), plan.leaves_.end(),
      [](const Leaf& a, const Leaf& b) { return a.kind < b.kind; });
  for (int k = 0; k <= static_cast<int>(LeafKind::kEvaluate) + 1; ++k) {
    plan.kind_begin_[k] = static_cast<int>(
        std::lower_bound(plan.leaves_.begin(), plan.leaves_.end(), k,
                         [](const Leaf& leaf, int kind) {
                           return static_cast<int>(leaf.kind) < kind;
                         }) -
        plan.leaves_.begin());
  }
  return plan;
}

int KeyReadPlan::evaluated_field_count() const {
  int n = 0;
  for (const Leaf& leaf : leaves_) n += leaf.kind == LeafKind::kEvaluate;
  return n;
}

bool KeyReadPlan::Evaluate(expr::Frame& frame, int i, int64_t* numbers,
                           std::string_view* texts) const {
  const Node& read = *reads_[i];
  expr::Value value;
  if (!expr::Eval(read, frame, &value)) {
    frame.error = absl::OkStatus();
    return false;
  }
  if (read.op == Op::kSelect && read.read == FieldRead::kString) {
    texts[text_index_[i]] = value.s;
  } else if (read.op == Op::kHas || read.read == FieldRead::kBool) {
    numbers[i] = value.b ? 1 : 0;
  } else {
    numbers[i] = value.i;
  }
  return true;
}

bool KeyReadPlan::Read(expr::Frame& frame, int64_t* numbers,
                       std::string_view* texts) const {
  const int n = field_count();
  if (!frame.generated) {
    // The cached accessors apply to the generated classes only.
    for (int i = 0; i < n; ++i) {
      if (!Evaluate(frame, i, numbers, texts)) return false;
    }
    return true;
  }
  absl::FixedArray<const google::protobuf::Message*, 16> slots(steps_.size() +
                                                               1);
  slots[0] = frame.root;
  for (size_t s = 0; s < steps_.size(); ++s) {
    slots[s + 1] = steps_[s].read(*slots[steps_[s].from]);
  }
  const Leaf* const leaves = leaves_.data();
  const auto group = [&](LeafKind kind, auto read) {
    const Leaf* leaf = leaves + kind_begin_[static_cast<int>(kind)];
    const Leaf* const end = leaves + kind_begin_[static_cast<int>(kind) + 1];
    for (; leaf != end; ++leaf) read(*leaf, *slots[leaf->slot]);
  };
  using google::protobuf::Message;
  group(LeafKind::kHas, [&](const Leaf& leaf, const Message& m) {
    numbers[leaf.out] = leaf.accessor->has(m) ? 1 : 0;
  });
  group(LeafKind::kNonEmpty, [&](const Leaf& leaf, const Message& m) {
    numbers[leaf.out] = leaf.accessor->size(m) > 0 ? 1 : 0;
  });
  group(LeafKind::kBool, [&](const Leaf& leaf, const Message& m) {
    numbers[leaf.out] = leaf.accessor->integer(m) != 0 ? 1 : 0;
  });
  group(LeafKind::kInteger, [&](const Leaf& leaf, const Message& m) {
    numbers[leaf.out] = leaf.accessor->integer(m);
  });
  group(LeafKind::kString, [&](const Leaf& leaf, const Message& m) {
    texts[leaf.out] = leaf.accessor->string(m);
  });
  for (int l = kind_begin_[static_cast<int>(LeafKind::kEvaluate)]; l < n; ++l) {
    if (!Evaluate(frame, leaves[l].field, numbers, texts)) return false;
  }
  return true;
}

}  // namespace refund

#include "engine/index/key_partition.h"

#include <algorithm>
#include <map>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace refund {
namespace {

// Every tuple of one value per condition, as (field, value) pairs.
std::vector<std::vector<std::pair<int, int64_t>>> Tuples(
    const std::vector<std::pair<int, std::vector<int64_t>>>& conditions) {
  std::vector<std::vector<std::pair<int, int64_t>>> tuples = {{}};
  for (const auto& [field, choices] : conditions) {
    std::vector<std::vector<std::pair<int, int64_t>>> next;
    for (const auto& prefix : tuples) {
      for (int64_t value : choices) {
        next.push_back(prefix);
        next.back().emplace_back(field, value);
      }
    }
    tuples = std::move(next);
  }
  return tuples;
}

// Whether the key bytes at `words` are `text`'s (of the same length):
// compared eight bytes at a time inline, as keys are short ids, rather than
// through a memcmp call.
bool SameBytes(const uint32_t* words, std::string_view text) {
  const char* key = reinterpret_cast<const char*>(words);
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t a;
    uint64_t b;
    std::memcpy(&a, key + i, 8);
    std::memcpy(&b, text.data() + i, 8);
    if (a != b) return false;
  }
  for (; i < text.size(); ++i) {
    if (key[i] != text[i]) return false;
  }
  return true;
}

}  // namespace

uint64_t KeyPartition::Hash(std::string_view text) {
  return absl::Hash<absl::string_view>()(
      absl::string_view(text.data(), text.size()));
}

KeyPartition KeyPartition::Build(
    const std::vector<std::string>& keys,
    const std::vector<std::vector<Alternative>>& alternatives) {
  KeyPartition partition;
  partition.key_count_ = static_cast<int>(keys.size());

  // Columns: the fields the alternatives constrain, most used first, whose
  // values here fit one window.
  std::map<int, std::pair<int, std::pair<int64_t, int64_t>>> uses;
  for (const std::vector<Alternative>& of_key : alternatives) {
    for (const Alternative& alternative : of_key) {
      for (const auto& [field, values] : alternative.conditions) {
        auto [it, inserted] = uses.try_emplace(
            field, 0, std::make_pair(values.front(), values.front()));
        ++it->second.first;
        for (int64_t v : values) {
          it->second.second.first = std::min(it->second.second.first, v);
          it->second.second.second = std::max(it->second.second.second, v);
        }
      }
    }
  }
  std::vector<std::pair<int, int>> by_use;  // (-uses, field)
  for (const auto& [field, use] : uses) {
    if (use.second.second - use.second.first < kWindow) {
      by_use.emplace_back(-use.first, field);
    }
  }
  std::sort(by_use.begin(), by_use.end());
  if (by_use.size() > static_cast<size_t>(kMaxColumns)) {
    by_use.resize(kMaxColumns);
  }
  for (const auto& [minus_uses, field] : by_use) {
    partition.columns_.push_back(field);
    partition.lows_.push_back(uses[field].second.first);
  }
  const auto column_of = [&](int field) {
    const auto it =
        std::find(partition.columns_.begin(), partition.columns_.end(), field);
    return it == partition.columns_.end()
               ? -1
               : static_cast<int>(it - partition.columns_.begin());
  };

  std::vector<uint32_t>& pool = partition.pool_;
  std::vector<uint32_t> runs;
  for (size_t id = 0; id < keys.size(); ++id) {
    runs.push_back(static_cast<uint32_t>(pool.size()));
    const std::string& key = keys[id];
    pool.push_back(static_cast<uint32_t>(id));
    pool.push_back(static_cast<uint32_t>(key.size()));
    const size_t text_words = (key.size() + 3) / 4;
    const size_t text_at = pool.size();
    pool.resize(text_at + text_words, 0);
    if (!key.empty()) {
      std::memcpy(pool.data() + text_at, key.data(), key.size());
    }

    std::vector<uint32_t> rules;
    std::vector<std::vector<uint16_t>> masks(partition.columns_.size());
    std::vector<uint32_t> general;
    for (const Alternative& alternative : alternatives[id]) {
      bool masked = true;
      for (const auto& condition : alternative.conditions) {
        masked = masked && column_of(condition.first) >= 0;
      }
      if (!masked) {
        for (const auto& tuple : Tuples(alternative.conditions)) {
          general.push_back(static_cast<uint32_t>(alternative.rule));
          general.push_back(static_cast<uint32_t>(tuple.size()));
          for (const auto& [field, value] : tuple) {
            general.push_back(static_cast<uint32_t>(field));
            general.push_back(
                static_cast<uint32_t>(static_cast<int32_t>(value)));
          }
        }
        continue;
      }
      rules.push_back(static_cast<uint32_t>(alternative.rule));
      for (std::vector<uint16_t>& column : masks) column.push_back(0xffff);
      for (const auto& [field, values] : alternative.conditions) {
        const int c = column_of(field);
        uint16_t mask = 0;
        for (int64_t v : values) {
          mask |= static_cast<uint16_t>(1u << (v - partition.lows_[c]));
        }
        masks[c].back() = mask;
      }
    }
    pool.push_back(static_cast<uint32_t>(rules.size()));
    pool.push_back(static_cast<uint32_t>(general.size()));
    pool.insert(pool.end(), rules.begin(), rules.end());
    for (std::vector<uint16_t>& column : masks) {
      if (column.empty()) continue;  // no masked entries under this key
      if (column.size() % 2 != 0) column.push_back(0);
      const size_t at = pool.size();
      pool.resize(at + column.size() / 2);
      std::memcpy(pool.data() + at, column.data(), 2 * column.size());
    }
    pool.insert(pool.end(), general.begin(), general.end());
  }

  if (keys.size() <= static_cast<size_t>(kScannedKeys)) {
    partition.runs_ = std::move(runs);
    return partition;
  }
  size_t capacity = 1;
  while (capacity < 2 * keys.size()) capacity *= 2;
  partition.slots_.resize(capacity);
  for (size_t id = 0; id < keys.size(); ++id) {
    const uint64_t hash = Hash(keys[id]);
    size_t i = hash & (capacity - 1);
    while (partition.slots_[i].run != 0) i = (i + 1) & (capacity - 1);
    partition.slots_[i] = {static_cast<uint32_t>(hash >> 32), runs[id] + 1};
  }
  return partition;
}

const uint32_t* KeyPartition::Find(std::string_view text) const {
  if (key_count_ <= kScannedKeys) {
    for (uint32_t offset : runs_) {
      const uint32_t* run = pool_.data() + offset;
      if (run[1] == text.size() && SameBytes(run + 2, text)) return run;
    }
    return nullptr;
  }
  const uint64_t hash = Hash(text);
  const size_t mask = slots_.size() - 1;
  const uint32_t tag = static_cast<uint32_t>(hash >> 32);
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.run == 0) return nullptr;
    if (slot.tag != tag) continue;
    const uint32_t* run = pool_.data() + slot.run - 1;
    if (run[1] == text.size() && SameBytes(run + 2, text)) return run;
  }
}

}  // namespace refund

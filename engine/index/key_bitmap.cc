#include "engine/index/key_bitmap.h"

#include <algorithm>
#include <limits>
#include <map>

namespace refund {

std::optional<KeyBitmap> KeyBitmap::Build(
    int rule_count, int field_count,
    const std::vector<Alternative>& alternatives) {
  // Slots: each rule's alternatives in order, or one slot for a rule with
  // none (always a candidate: no field constrains it).
  std::vector<std::vector<const Alternative*>> of_rule(rule_count);
  for (const Alternative& alternative : alternatives) {
    of_rule[alternative.rule].push_back(&alternative);
  }
  KeyBitmap bitmap;
  std::vector<const Alternative*> slots;  // null: a rule without keys
  for (int rule = 0; rule < rule_count; ++rule) {
    if (of_rule[rule].empty()) {
      slots.push_back(nullptr);
      bitmap.slot_rule_.push_back(rule);
      continue;
    }
    for (const Alternative* alternative : of_rule[rule]) {
      slots.push_back(alternative);
      bitmap.slot_rule_.push_back(rule);
    }
  }
  const int slot_count = static_cast<int>(slots.size());
  if (slot_count > kMaxSlots) return std::nullopt;
  bitmap.identity_ = slot_count == rule_count;
  bitmap.words_ = (slot_count + 63) / 64;
  const int words = bitmap.words_;

  // Each field's window: its constants' range (empty: only the default).
  std::vector<int64_t> lows(field_count, std::numeric_limits<int64_t>::max());
  std::vector<int64_t> highs(field_count, std::numeric_limits<int64_t>::min());
  for (const Alternative& alternative : alternatives) {
    for (const auto& [field, values] : alternative.conditions) {
      for (int64_t value : values) {
        lows[field] = std::min(lows[field], value);
        highs[field] = std::max(highs[field], value);
      }
    }
  }

  // Bitmaps are shared: most values of a field (and many fields' defaults)
  // select the same slots.
  std::map<std::vector<uint64_t>, uint32_t> stored;
  const auto store = [&](const std::vector<uint64_t>& bits) {
    auto [it, inserted] =
        stored.try_emplace(bits, static_cast<uint32_t>(bitmap.pool_.size()));
    if (inserted) {
      bitmap.pool_.insert(bitmap.pool_.end(), bits.begin(), bits.end());
    }
    return it->second;
  };
  std::vector<uint64_t> every(words, 0);
  for (int s = 0; s < slot_count; ++s) {
    every[s >> 6] |= uint64_t{1} << (s & 63);
  }
  store(every);  // offset 0: the start of every AND

  for (int f = 0; f < field_count; ++f) {
    Field field;
    if (lows[f] <= highs[f]) {
      // The distance, exact in uint64_t (it may not fit in int64_t).
      if (static_cast<uint64_t>(highs[f]) - static_cast<uint64_t>(lows[f]) >=
          static_cast<uint64_t>(kMaxWindow)) {
        return std::nullopt;
      }
      field.low = lows[f];
      field.size = static_cast<uint64_t>(highs[f] - lows[f] + 1);
    }
    field.begin = static_cast<uint32_t>(bitmap.offsets_.size());
    // Column v - low for each value in the window, then the default.
    std::vector<std::vector<uint64_t>> columns(field.size + 1, every);
    for (int s = 0; s < slot_count; ++s) {
      if (slots[s] == nullptr) continue;
      const auto& conditions = slots[s]->conditions;
      const auto it = std::find_if(
          conditions.begin(), conditions.end(),
          [f](const auto& condition) { return condition.first == f; });
      if (it == conditions.end()) continue;  // allows every value
      const uint64_t bit = uint64_t{1} << (s & 63);
      for (std::vector<uint64_t>& column : columns) column[s >> 6] &= ~bit;
      for (int64_t value : it->second) {
        columns[static_cast<uint64_t>(value - field.low)][s >> 6] |= bit;
      }
    }
    for (const std::vector<uint64_t>& column : columns) {
      bitmap.offsets_.push_back(store(column));
    }
    bitmap.fields_.push_back(field);
  }
  if (words == 1) {
    for (uint32_t offset : bitmap.offsets_) {
      bitmap.single_.push_back(bitmap.pool_[offset]);
    }
  }
  return bitmap;
}

}  // namespace refund

// The rule index's storage for bundles of few rules (rule_index.h): instead
// of looking up each group of alternatives in turn (a bundle keyed on twenty
// flags and enums has some thirty small groups), one bitmap per key field and
// value, so a request's candidates are a few word ANDs.
//
// Each alternative a rule is filed under (one for a conjunction, one per
// disjunct of a top-level `||`) and each rule filed under none (always a
// candidate) owns one *slot*; a rule's slots are adjacent and rules come in
// evaluation order. For each key field and each value, the bitmap of the
// slots whose alternative allows that value: every slot whose alternative
// does not constrain the field (so the always-candidates are set in every
// bitmap), and the slots whose alternative lists the value. The values a
// field may take lie in a window [low, low + size) holding every constant
// of the field; any value outside it (a value no rule names: another enum
// number, -1 for a string no rule names) shares the *default* bitmap, that
// of a value no alternative lists.
//
// A slot is set in the AND of the request's bitmaps over every field exactly
// when each field the alternative constrains has one of its values: the
// alternative's keys hold. Reading the set slots in order and mapping them to
// their rules gives each rule with some alternative holding once, in
// evaluation order: the same candidates as looking up the alternatives'
// tuples.
//
// Immutable after Build; Candidates is const and thread-safe.
#ifndef ENGINE_INDEX_KEY_BITMAP_H_
#define ENGINE_INDEX_KEY_BITMAP_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"

namespace refund {

class KeyBitmap {
 public:
  // Most slots (alternatives plus rules without keys): beyond that, the
  // bitmaps grow with the rules times the values (shop ids) and the ANDs
  // cost more than looking up a few groups.
  static constexpr int kMaxSlots = 512;
  // Widest window of values of one field.
  static constexpr int64_t kMaxWindow = 4096;

  // One alternative of rule `rule`: it holds when each of `conditions`'
  // fields (distinct, in [0, field_count)) has one of its values (possibly
  // none: the alternative never holds).
  struct Alternative {
    int rule = 0;
    std::vector<std::pair<int, std::vector<int64_t>>> conditions;
  };

  // An empty bitmap: no candidates.
  KeyBitmap() = default;

  // The bitmaps for `rule_count` rules read through `field_count` fields,
  // `alternatives` listing every alternative of each keyed rule (any rule
  // without one is always a candidate). Nullopt when that takes more than
  // kMaxSlots slots or a field's values span more than kMaxWindow.
  static std::optional<KeyBitmap> Build(
      int rule_count, int field_count,
      const std::vector<Alternative>& alternatives);

  // The candidate rules for a request whose field f has value values[f],
  // in increasing order, into `out` (replaced).
  template <typename Out>
  void Candidates(const int64_t* values, Out* out) const;

  int slot_count() const { return static_cast<int>(slot_rule_.size()); }
  // Distinct bitmaps stored (bitmaps shared by several values count once).
  int bitmap_count() const {
    return words_ == 0 ? 0 : static_cast<int>(pool_.size()) / words_;
  }

 private:
  // Field f's bitmap for value v: pool_ + offsets_[begin + min(v - low,
  // size)] (entry `size` is the default bitmap).
  struct Field {
    int64_t low = 0;
    uint64_t size = 0;
    uint32_t begin = 0;
  };

  int words_ = 0;                  // 64-bit words per bitmap
  bool identity_ = true;           // slot s is rule s
  std::vector<Field> fields_;      // by field
  std::vector<uint32_t> offsets_;  // word offsets into pool_
  std::vector<uint64_t> pool_;     // the bitmaps; the first: every slot
  // When words_ == 1: the bitmap of each entry of offsets_ itself, one load
  // fewer per field.
  std::vector<uint64_t> single_;
  std::vector<int> slot_rule_;  // by slot
};

template <typename Out>
void KeyBitmap::Candidates(const int64_t* values, Out* out) const {
  out->clear();
  uint64_t bits[kMaxSlots / 64];
  const Field* const fields = fields_.data();
  const int field_count = static_cast<int>(fields_.size());
  // The index of field f's bitmap for its value in offsets_ (or words_).
  const auto entry = [&](int f) {
    const Field& field = fields[f];
    // Unsigned: values below the window wrap to beyond it.
    const uint64_t offset =
        static_cast<uint64_t>(values[f]) - static_cast<uint64_t>(field.low);
    return field.begin + (offset < field.size ? offset : field.size);
  };
  const int words = words_;
  if (words == 1) {
    // The usual case (at most 64 slots): the bitmaps themselves, no offsets.
    const uint64_t* single = single_.data();
    uint64_t word = pool_[0];
    for (int f = 0; f < field_count; ++f) word &= single[entry(f)];
    bits[0] = word;
  } else {
    const uint64_t* pool = pool_.data();
    for (int w = 0; w < words; ++w) bits[w] = pool[w];
    for (int f = 0; f < field_count; ++f) {
      const uint64_t* b = pool + offsets_[entry(f)];
      for (int w = 0; w < words; ++w) bits[w] &= b[w];
    }
  }
  for (int w = 0; w < words; ++w) {
    for (uint64_t word = bits[w]; word != 0; word &= word - 1) {
      const int slot = w * 64 + __builtin_ctzll(word);
      if (identity_) {
        out->push_back(slot);
        continue;
      }
      // A rule's slots are adjacent: a repeat is the last one added.
      const int rule = slot_rule_[slot];
      if (out->empty() || out->back() != rule) out->push_back(rule);
    }
  }
}

}  // namespace refund

#endif  // ENGINE_INDEX_KEY_BITMAP_H_

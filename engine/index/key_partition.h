// The rule index's storage for the alternatives keyed on one string field
// (shop ids: the field whose values grow with the bundle), laid out so that
// a decision touches few cache lines whatever the number of strings.
//
// Each string the rules compare the field with (a *key*, numbered by its
// id) owns one contiguous *run* of 32-bit words in a single pool: the id,
// the key's bytes, then the alternatives filed under it. An alternative is
// a rule and the values its other key fields must have. Most are stored as
// one *masked entry*: the rule, and for each of the partition's *columns*
// (the fields its alternatives constrain, at most kMaxColumns, whose
// constants here lie within a window of kWindow values) a 16-bit mask of
// the allowed values (bit v - low for value v; the top bit stands for every
// value outside the window, set only when the field is unconstrained). The
// entries are stored column by column (rules, then each column's masks), so
// a run of ten alternatives on three fields is 100-odd bytes. Alternatives
// constraining a field that is not a column are *general entries*, one per
// tuple of allowed values (rule, count, then (field, value) pairs), after the
// masked ones.
//
// Keys are found through an open-addressing table of (hash tag, run offset)
// slots, so a look-up reads one slot and then the run it needs anyway, where
// the key's bytes confirm the match; a partition of at most kScannedKeys
// keys compares the text with each key instead (no hashing).
//
// Values are the rule index's field values (rule_index.h): enum numbers,
// 0/1 for bools and has(), string ids, -1 for a string no rule names; every
// constant fits in 32 bits.
//
// Immutable after Build; Find and AddMatches are const and thread-safe.
#ifndef ENGINE_INDEX_KEY_PARTITION_H_
#define ENGINE_INDEX_KEY_PARTITION_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace refund {

class KeyPartition {
 public:
  // Most fields stored as masks; alternatives constraining more fields than
  // that use general entries for the others.
  static constexpr int kMaxColumns = 8;
  // Values a column's masks cover: [low, low + kWindow).
  static constexpr int64_t kWindow = 15;
  // Partitions of at most this many keys are searched key by key.
  static constexpr int kScannedKeys = 4;

  // One alternative filed under a key: `rule`, when each of `conditions`'
  // fields (distinct) has one of its values (non-empty, each within
  // int32).
  struct Alternative {
    int rule = 0;
    std::vector<std::pair<int, std::vector<int64_t>>> conditions;
  };

  // An empty partition: finds nothing.
  KeyPartition() = default;

  // `keys[id]` is the string of id `id` (distinct strings);
  // `alternatives[id]` the alternatives filed under it (same size as keys).
  static KeyPartition Build(
      const std::vector<std::string>& keys,
      const std::vector<std::vector<Alternative>>& alternatives);

  // The run of `text`, or null when it is no key.
  const uint32_t* Find(std::string_view text) const;

  // The id of the key whose run is `run`.
  static int64_t IdOf(const uint32_t* run) { return run[0]; }

  // Calls add(rule) for each alternative of `run` whose conditions hold on
  // `values` (indexed by field); a rule may come more than once.
  template <typename Add>
  void AddMatches(const uint32_t* run, const int64_t* values, Add add) const;

  int key_count() const { return key_count_; }
  // Fields stored as masks.
  int column_count() const { return static_cast<int>(columns_.size()); }
  // Words of the pool (runs), for tests and sizing.
  size_t pool_words() const { return pool_.size(); }

 private:
  struct Slot {
    uint32_t tag = 0;  // high bits of the hash
    uint32_t run = 0;  // offset of the run in pool_ + 1; 0: empty
  };
  static uint64_t Hash(std::string_view text);

  int key_count_ = 0;
  std::vector<Slot> slots_;     // size a power of two, at most half full
  std::vector<uint32_t> runs_;  // each key's run offset, when scanned
  std::vector<uint32_t> pool_;
  std::vector<int> columns_;   // fields, in column order
  std::vector<int64_t> lows_;  // each column's window start
};

// Run layout, in words from the run's start: id, byte length L, the bytes
// (ceil(L / 4) words), masked entry count k, general entry word count g, k
// rules, then per column ceil(k / 2) words of k 16-bit masks, then the g
// words of general entries.
template <typename Add>
void KeyPartition::AddMatches(const uint32_t* run, const int64_t* values,
                              Add add) const {
  const uint32_t* words = run + 2 + (run[1] + 3) / 4;
  const uint32_t k = words[0];
  const uint32_t g = words[1];
  const uint32_t* rules = words + 2;
  const char* masks = reinterpret_cast<const char*>(rules + k);
  const size_t column_bytes = 4 * ((k + 1) / 2);
  const int columns = static_cast<int>(columns_.size());
  uint16_t bits[kMaxColumns];
  for (int c = 0; c < columns; ++c) {
    const uint64_t offset = static_cast<uint64_t>(values[columns_[c]]) -
                            static_cast<uint64_t>(lows_[c]);
    bits[c] = static_cast<uint16_t>(
        1u << (offset < static_cast<uint64_t>(kWindow) ? offset : kWindow));
  }
  for (uint32_t e = 0; e < k; ++e) {
    int c = 0;
    for (; c < columns; ++c) {
      uint16_t mask;
      std::memcpy(&mask, masks + c * column_bytes + 2 * e, sizeof(mask));
      if ((mask & bits[c]) == 0) break;
    }
    if (c == columns) add(static_cast<int>(rules[e]));
  }
  const uint32_t* entry = rules + k + columns * ((k + 1) / 2);
  const uint32_t* end = entry + g;
  while (entry != end) {
    const uint32_t* condition = entry + 2;
    const uint32_t* last = condition + 2 * entry[1];
    while (condition != last &&
           values[condition[0]] == static_cast<int32_t>(condition[1])) {
      condition += 2;
    }
    if (condition == last) add(static_cast<int>(entry[0]));
    entry = last;
  }
}

}  // namespace refund

#endif  // ENGINE_INDEX_KEY_PARTITION_H_

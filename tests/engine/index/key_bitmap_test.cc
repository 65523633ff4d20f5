#include "engine/index/key_bitmap.h"

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/request_mutator.h"

namespace refund {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Alternative = KeyBitmap::Alternative;

std::vector<int> CandidatesOf(const KeyBitmap& bitmap,
                              const std::vector<int64_t>& values) {
  std::vector<int> out = {-1};  // replaced
  bitmap.Candidates(values.data(), &out);
  return out;
}

TEST(KeyBitmapTest, AlternativesHoldWhenEveryConstrainedFieldHasAValue) {
  // Fields: 0 an enum, 1 a bool, 2 a string id (-1: a string no rule names).
  const std::vector<Alternative> alternatives = {
      {0, {{0, {3}}}},                  // field 0 == 3
      {1, {{0, {3, 5}}, {1, {1}}}},     // field 0 in [3, 5] && field 1
      {3, {{2, {0}}}},                  // rule 3, alternative 1: id 0
      {3, {{1, {0}}, {0, {7}}}},        // rule 3, alternative 2
      {4, {{0, {3}}, {0 + 1, {}}}},     // never: no value of field 1
      {5, {{2, {1, 0}}, {0, {-2, 5}}}}  // negative enum numbers too
  };
  const auto bitmap = KeyBitmap::Build(7, 3, alternatives);
  ASSERT_TRUE(bitmap.has_value());
  // Rules 2 and 6 have no alternatives; rule 3 has two slots.
  EXPECT_EQ(bitmap->slot_count(), 8);
  EXPECT_THAT(CandidatesOf(*bitmap, {3, 1, 0}), ElementsAre(0, 1, 2, 3, 6));
  EXPECT_THAT(CandidatesOf(*bitmap, {5, 0, 1}), ElementsAre(2, 5, 6));
  EXPECT_THAT(CandidatesOf(*bitmap, {7, 0, -1}), ElementsAre(2, 3, 6));
  EXPECT_THAT(CandidatesOf(*bitmap, {-2, 1, 1}), ElementsAre(2, 5, 6));
  // Values outside every window: only the rules without keys.
  EXPECT_THAT(CandidatesOf(*bitmap, {INT64_MIN, 2, 99}), ElementsAre(2, 6));
  EXPECT_THAT(CandidatesOf(*bitmap, {INT64_MAX, -1, -1}), ElementsAre(2, 6));
}

TEST(KeyBitmapTest, NoFieldsOrNoRules) {
  const auto unkeyed = KeyBitmap::Build(3, 0, {});
  ASSERT_TRUE(unkeyed.has_value());
  EXPECT_THAT(CandidatesOf(*unkeyed, {}), ElementsAre(0, 1, 2));
  const auto empty = KeyBitmap::Build(0, 0, {});
  ASSERT_TRUE(empty.has_value());
  EXPECT_THAT(CandidatesOf(*empty, {}), IsEmpty());
}

TEST(KeyBitmapTest, DeclinesTooManySlotsOrTooWideAWindow) {
  std::vector<Alternative> alternatives;
  for (int rule = 0; rule < KeyBitmap::kMaxSlots / 2; ++rule) {
    alternatives.push_back({rule, {{0, {rule}}}});
    alternatives.push_back({rule, {{1, {rule % 3}}}});
  }
  EXPECT_TRUE(
      KeyBitmap::Build(KeyBitmap::kMaxSlots / 2, 2, alternatives).has_value());
  alternatives.push_back({KeyBitmap::kMaxSlots / 2, {{0, {1}}}});
  EXPECT_FALSE(KeyBitmap::Build(KeyBitmap::kMaxSlots / 2 + 1, 2, alternatives)
                   .has_value());
  EXPECT_TRUE(
      KeyBitmap::Build(1, 1, {{0, {{0, {-1, KeyBitmap::kMaxWindow - 2}}}}})
          .has_value());
  EXPECT_FALSE(
      KeyBitmap::Build(1, 1, {{0, {{0, {-1, KeyBitmap::kMaxWindow - 1}}}}})
          .has_value());
  EXPECT_FALSE(
      KeyBitmap::Build(1, 1, {{0, {{0, {INT64_MIN, INT64_MAX}}}}}).has_value());
}

// Against the definition, on random alternatives over several words.
TEST(KeyBitmapTest, MatchesTheDefinitionOnRandomAlternatives) {
  testing::SplitMix64 rng(11);
  for (int round = 0; round < 20; ++round) {
    // At most 2 * 200 slots: always fits, over up to 7 words.
    const int rule_count = 1 + static_cast<int>(rng.Below(200));
    const int field_count = 1 + static_cast<int>(rng.Below(6));
    std::vector<Alternative> alternatives;
    for (int rule = 0; rule < rule_count; ++rule) {
      const int count = static_cast<int>(rng.Below(4)) - 1;  // -1: unkeyed
      for (int a = 0; a < count; ++a) {
        Alternative alternative;
        alternative.rule = rule;
        for (int f = 0; f < field_count; ++f) {
          if (!rng.OneIn(3)) continue;
          std::vector<int64_t> values;
          const int n = static_cast<int>(rng.Below(4));
          for (int v = 0; v < n; ++v) {
            values.push_back(static_cast<int64_t>(rng.Below(12)) - 2);
          }
          alternative.conditions.emplace_back(f, values);
        }
        alternatives.push_back(alternative);
      }
    }
    const auto bitmap = KeyBitmap::Build(rule_count, field_count, alternatives);
    ASSERT_TRUE(bitmap.has_value());
    for (int request = 0; request < 50; ++request) {
      std::vector<int64_t> values;
      for (int f = 0; f < field_count; ++f) {
        values.push_back(static_cast<int64_t>(rng.Below(16)) - 3);
      }
      std::vector<bool> expected(rule_count, true);
      for (const Alternative& alternative : alternatives) {
        expected[alternative.rule] = false;
      }
      for (const Alternative& alternative : alternatives) {
        bool holds = true;
        for (const auto& [field, allowed] : alternative.conditions) {
          bool any = false;
          for (int64_t v : allowed) any = any || v == values[field];
          holds = holds && any;
        }
        if (holds) expected[alternative.rule] = true;
      }
      std::vector<int> want;
      for (int rule = 0; rule < rule_count; ++rule) {
        if (expected[rule]) want.push_back(rule);
      }
      EXPECT_EQ(CandidatesOf(*bitmap, values), want)
          << "round " << round << " request " << request;
    }
  }
}

}  // namespace
}  // namespace refund

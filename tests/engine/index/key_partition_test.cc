#include "engine/index/key_partition.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/request_mutator.h"

namespace refund {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Alternative = KeyPartition::Alternative;

std::vector<int> Matches(const KeyPartition& partition, std::string_view key,
                         const std::vector<int64_t>& values) {
  std::vector<int> rules;
  const uint32_t* run = partition.Find(key);
  if (run == nullptr) return rules;
  partition.AddMatches(run, values.data(),
                       [&](int rule) { rules.push_back(rule); });
  std::sort(rules.begin(), rules.end());
  return rules;
}

TEST(KeyPartitionTest, FindsEachKeyAndItsId) {
  const std::vector<std::string> keys = {"shop-1", "shop-10", "", "shop-100",
                                         std::string(40, 'x')};
  const KeyPartition partition = KeyPartition::Build(
      keys, std::vector<std::vector<Alternative>>(keys.size()));
  for (size_t id = 0; id < keys.size(); ++id) {
    const uint32_t* run = partition.Find(keys[id]);
    ASSERT_NE(run, nullptr) << keys[id];
    EXPECT_EQ(KeyPartition::IdOf(run), static_cast<int64_t>(id));
  }
  EXPECT_EQ(partition.Find("shop-"), nullptr);
  EXPECT_EQ(partition.Find("shop-1000"), nullptr);
  EXPECT_EQ(partition.Find(std::string(39, 'x')), nullptr);
  EXPECT_EQ(KeyPartition().Find("shop-1"), nullptr);
}

TEST(KeyPartitionTest, MasksAllowTheListedValuesAndUnconstrainedFields) {
  // Field 0: platform-like, field 1: reason-like, field 2: a wide field
  // (values 0 and 100), stored as general entries.
  const KeyPartition partition =
      KeyPartition::Build({"a", "b"}, {{{7, {{0, {1, 2}}, {1, {5}}}},
                                        {8, {{1, {3, 4}}}},
                                        {9, {}},
                                        {10, {{2, {0, 100}}, {0, {3}}}}},
                                       {{11, {{0, {1}}}}}});
  EXPECT_EQ(partition.column_count(), 2);
  EXPECT_THAT(Matches(partition, "a", {1, 5, 0}), ElementsAre(7, 9));
  EXPECT_THAT(Matches(partition, "a", {2, 4, 1}), ElementsAre(8, 9));
  EXPECT_THAT(Matches(partition, "a", {3, 4, 100}), ElementsAre(8, 9, 10));
  EXPECT_THAT(Matches(partition, "a", {3, 4, 99}), ElementsAre(8, 9));
  // Values outside every window (below, far above, -1 for an unknown
  // string) match only what does not constrain the field.
  EXPECT_THAT(Matches(partition, "a", {-1, 1000, -1}), ElementsAre(9));
  EXPECT_THAT(Matches(partition, "a", {16, 20, 0}), ElementsAre(9));
  EXPECT_THAT(Matches(partition, "b", {1, 0, 0}), ElementsAre(11));
  EXPECT_THAT(Matches(partition, "b", {2, 0, 0}), IsEmpty());
  EXPECT_THAT(Matches(partition, "c", {1, 5, 0}), IsEmpty());
}

// Random partitions (narrow and wide fields, more fields than columns,
// negative and large values, many keys) against checking every alternative.
TEST(KeyPartitionTest, AgreesWithCheckingEveryAlternative) {
  testing::SplitMix64 rng(7);
  for (int round = 0; round < 40; ++round) {
    const int fields = 1 + static_cast<int>(rng.Below(12));
    const int key_count = 1 + static_cast<int>(rng.Below(round < 20 ? 5 : 600));
    // Per field: values drawn from [base, base + spread).
    std::vector<int64_t> base(fields);
    std::vector<int64_t> spread(fields);
    for (int f = 0; f < fields; ++f) {
      base[f] = static_cast<int64_t>(rng.Below(40)) - 20;
      spread[f] = rng.OneIn(4) ? 1 + static_cast<int64_t>(rng.Below(200))
                               : 1 + static_cast<int64_t>(rng.Below(15));
    }
    std::vector<std::string> keys;
    std::vector<std::vector<Alternative>> alternatives(key_count);
    int rule = 0;
    for (int id = 0; id < key_count; ++id) {
      keys.push_back(absl::StrCat("k", id * 7919 % 100003));
      const int count = static_cast<int>(rng.Below(12));
      for (int a = 0; a < count; ++a) {
        Alternative alternative;
        alternative.rule = rule++;
        for (int f = 0; f < fields; ++f) {
          if (!rng.OneIn(3)) continue;
          std::vector<int64_t> values;
          const int n = 1 + static_cast<int>(rng.Below(3));
          for (int i = 0; i < n; ++i) {
            values.push_back(base[f] + static_cast<int64_t>(rng.Below(
                                           static_cast<uint64_t>(spread[f]))));
          }
          std::sort(values.begin(), values.end());
          values.erase(std::unique(values.begin(), values.end()), values.end());
          alternative.conditions.emplace_back(f, std::move(values));
        }
        alternatives[id].push_back(std::move(alternative));
      }
    }
    const KeyPartition partition = KeyPartition::Build(keys, alternatives);
    for (int probe = 0; probe < 300; ++probe) {
      const int id = static_cast<int>(rng.Below(key_count));
      std::vector<int64_t> values(fields);
      for (int f = 0; f < fields; ++f) {
        values[f] = base[f] - 2 +
                    static_cast<int64_t>(
                        rng.Below(static_cast<uint64_t>(spread[f] + 4)));
      }
      std::vector<int> expected;
      for (const Alternative& alternative : alternatives[id]) {
        bool holds = true;
        for (const auto& [field, allowed] : alternative.conditions) {
          holds = holds &&
                  std::count(allowed.begin(), allowed.end(), values[field]) > 0;
        }
        if (holds) expected.push_back(alternative.rule);
      }
      ASSERT_EQ(Matches(partition, keys[id], values), expected)
          << "round " << round << " key " << keys[id];
    }
    EXPECT_EQ(partition.Find("absent"), nullptr);
  }
}

}  // namespace
}  // namespace refund

#include "server/log/decision_id.h"

#include <set>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace refund::server {
namespace {

TEST(DecisionIdTest, IsThirtyTwoLowerHexCharacters) {
  absl::StatusOr<std::string> id = NewDecisionId(absl::FromUnixSeconds(1));
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_EQ(id->size(), 32u);
  for (char c : *id) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << *id;
  }
}

TEST(DecisionIdTest, StartsWithTheMillisecondsSoLaterIdsSortLater) {
  const absl::Time t = absl::FromUnixMillis(1'780'000'000'123);
  const std::string id = *NewDecisionId(t);
  EXPECT_EQ(id.substr(0, 12), "019e7044887b");  // 1780000000123 in hex
  EXPECT_LT(id, *NewDecisionId(t + absl::Milliseconds(1)));
  EXPECT_GT(id, *NewDecisionId(t - absl::Milliseconds(1)));
}

TEST(DecisionIdTest, IdsOfTheSameMillisecondDifferInTheirRandomPart) {
  const absl::Time t = absl::FromUnixMillis(1'780'000'000'000);
  std::set<std::string> ids;
  // Several times the ids one draw of random bytes serves, on two threads.
  constexpr int kPerThread = 5000;
  std::set<std::string> other_ids;
  std::thread other([&] {
    for (int i = 0; i < kPerThread; ++i) other_ids.insert(*NewDecisionId(t));
  });
  for (int i = 0; i < kPerThread; ++i) ids.insert(*NewDecisionId(t));
  other.join();
  ids.insert(other_ids.begin(), other_ids.end());
  EXPECT_EQ(ids.size(), 2u * kPerThread);
}

}  // namespace
}  // namespace refund::server

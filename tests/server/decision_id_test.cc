#include "server/decision_id.h"

#include <set>
#include <string>

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
  for (int i = 0; i < 1000; ++i) ids.insert(*NewDecisionId(t));
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace refund::server

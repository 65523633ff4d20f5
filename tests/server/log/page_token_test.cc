// Page tokens are opaque to clients and checked on the way back in: a token
// for another filter, or one forged with a seq that no page ends at, is
// INVALID_ARGUMENT naming page_token.
#include "server/log/page_token.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/decision_log.h"
#include "tests/testing/status_matchers.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

TEST(PageTokenTest, RoundTripsTheLastSeqForTheSameFilter) {
  DecisionFilter filter;
  filter.shop_id = "shop-1";
  absl::StatusOr<int64_t> seq =
      DecodePageToken(EncodePageToken(42, filter), filter);
  ASSERT_TRUE(seq.ok()) << seq.status();
  EXPECT_EQ(*seq, 42);
}

TEST(PageTokenTest, ForgedNegativeSeqIsInvalidArgument) {
  DecisionFilter filter;
  // Encode does not refuse it: this is what a client could forge.
  EXPECT_THAT(DecodePageToken(EncodePageToken(-5, filter), filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("page_token: malformed")));
}

TEST(PageTokenTest, TokenOfAnotherFilterIsInvalidArgument) {
  DecisionFilter first;
  first.refund_id = "refund-1";
  DecisionFilter second = first;
  second.verdict = v1::VERDICT_REJECT;
  EXPECT_THAT(DecodePageToken(EncodePageToken(7, first), second),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("different filter")));
}

TEST(PageTokenTest, GarbageIsInvalidArgument) {
  DecisionFilter filter;
  for (const std::string& token : std::vector<std::string>{
           "not-base64!", "djEuMS4", std::string(300, 'A')}) {
    EXPECT_THAT(
        DecodePageToken(token, filter),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")))
        << token;
  }
}

}  // namespace
}  // namespace refund::server

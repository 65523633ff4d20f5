#include "server/access/bearer_token.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

TEST(BearerTokenSha256HexTest, IsTheHexSha256OfTheTokenBytes) {
  // echo -n abc | sha256sum
  EXPECT_EQ(BearerTokenSha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenFromAuthorizationHeaderTest, TakesTheTokenOfABearerHeader) {
  EXPECT_EQ(*TokenFromAuthorizationHeader("Bearer s3cret"), "s3cret");
  EXPECT_EQ(*TokenFromAuthorizationHeader("bearer   s3cret "), "s3cret");
}

TEST(TokenFromAuthorizationHeaderTest, RefusesOtherSchemesAndEmptyTokens) {
  EXPECT_THAT(TokenFromAuthorizationHeader("Basic dXNlcjpwYXNz").status(),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr("only \"Bearer TOKEN\"")));
  EXPECT_THAT(TokenFromAuthorizationHeader("Bearer   ").status(),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("empty")));
  EXPECT_THAT(
      TokenFromAuthorizationHeader("Bearertoken").status(),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("Bearer")));
}

}  // namespace
}  // namespace refund::server

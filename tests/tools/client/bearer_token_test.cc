#include "tools/client/bearer_token.h"

#include <sys/stat.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::client {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

class BearerTokenTest : public ::testing::Test {
 protected:
  // Writes `content` to a file of mode `mode`; returns its path.
  std::string TokenFile(const std::string& content, mode_t mode = 0600) {
    const std::string path = dir_.path() + "/token";
    dir_.Write("token", content);
    chmod(path.c_str(), mode);
    return path;
  }

  refund::testing::TempDir dir_;
};

TEST_F(BearerTokenTest, TrailingNewlineIsNotPartOfTheToken) {
  EXPECT_EQ(*ReadBearerToken(TokenFile("abc.DEF-123_~+/=\n")),
            "abc.DEF-123_~+/=");
  EXPECT_EQ(*ReadBearerToken(TokenFile("tok\r\n")), "tok");
  EXPECT_EQ(*ReadBearerToken(TokenFile("tok")), "tok");
}

TEST_F(BearerTokenTest, RefusesAFileOthersMayRead) {
  EXPECT_THAT(ReadBearerToken(TokenFile("tok\n", 0644)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("(mode 644); chmod 600 it")));
  EXPECT_FALSE(ReadBearerToken(TokenFile("tok\n", 0640)).ok());
  EXPECT_FALSE(ReadBearerToken(TokenFile("tok\n", 0620)).ok());
  EXPECT_TRUE(ReadBearerToken(TokenFile("tok\n", 0400)).ok());
}

TEST_F(BearerTokenTest, RefusesEmptyMissingAndNotOneWord) {
  EXPECT_THAT(ReadBearerToken(TokenFile("\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--token_file: ")));
  EXPECT_THAT(
      ReadBearerToken(dir_.path() + "/none"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("No such file")));
  EXPECT_FALSE(ReadBearerToken(TokenFile("two words\n")).ok());
  EXPECT_FALSE(ReadBearerToken(TokenFile("a\nb\n")).ok());
  EXPECT_FALSE(ReadBearerToken(TokenFile(std::string(20000, 'a'))).ok());
  EXPECT_THAT(ReadBearerToken(dir_.path()),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
}

}  // namespace
}  // namespace refund::client

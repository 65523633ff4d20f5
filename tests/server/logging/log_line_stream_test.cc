// The server's stream messages as log lines (server/logging/log_line_stream.h):
// one line each, with the time, the level and the text.
#include "server/logging/log_line_stream.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/logging/server_logger.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::testing::ElementsAre;
using ::testing::MatchesRegex;

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return absl::StrSplit(text.str(), '\n', absl::SkipEmpty());
}

TEST(LogLineStreamTest, EachLineBecomesOneTimedLevelledLogLine) {
  refund::testing::TempDir dir;
  const std::string file = dir.path() + "/server.log";
  absl::StatusOr<std::unique_ptr<ServerLogger>> logger =
      ServerLogger::Create({LogLevel::kInfo, LogFormat::kText, file});
  ASSERT_TRUE(logger.ok()) << logger.status();
  {
    LogLineStream warnings(**logger, LogLevel::kWarn);
    warnings << "refund-server: decision log cannot record decisions ("
             << "disk full): NOT_SERVING" << std::endl;
    warnings << "two\nlines" << std::endl;
    warnings << "left without a newline";
  }
  (*logger)->Flush();
  logger->reset();
  EXPECT_THAT(
      Lines(file),
      ElementsAre(
          MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z warn(ing)? server "
                       "message=\"decision log cannot record decisions "
                       "\\(disk full\\): NOT_SERVING\""),
          MatchesRegex(".*Z warn(ing)? server message=\"two\""),
          MatchesRegex(".*Z warn(ing)? server message=\"lines\""),
          MatchesRegex(
              ".*Z warn(ing)? server message=\"left without a newline\"")));
}

TEST(LogLineStreamTest, BelowTheLoggersLevelNothingIsWritten) {
  refund::testing::TempDir dir;
  const std::string file = dir.path() + "/server.log";
  absl::StatusOr<std::unique_ptr<ServerLogger>> logger =
      ServerLogger::Create({LogLevel::kWarn, LogFormat::kText, file});
  ASSERT_TRUE(logger.ok()) << logger.status();
  {
    LogLineStream info(**logger, LogLevel::kInfo);
    info << "SIGHUP: access policy reloaded" << std::endl;
  }
  logger->reset();
  EXPECT_THAT(Lines(file), ElementsAre());
}

}  // namespace
}  // namespace refund::server

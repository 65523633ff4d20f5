#include "server/access/refused_call_log.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace refund::server {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

std::vector<std::string> Lines(const std::ostringstream& out) {
  return absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
}

TEST(RefusedCallLogTest, CountsAndLogsEachRefusalWithoutTheBody) {
  std::ostringstream out;
  RefusedCallLog log(out);
  log.Record({"/refund.v1.RefundDecisionService/ListDecisions", "oms-a",
              "ipv4:127.0.0.1:4000", absl::StatusCode::kPermissionDenied,
              "principal \"oms-a\" (oms) may not call ListDecisions"});
  log.Record({"/refund.v1.RefundDecisionService/Decide", "",
              "ipv4:127.0.0.1:4001", absl::StatusCode::kUnauthenticated,
              "no credentials"});
  EXPECT_EQ(log.permission_denied(), 1);
  EXPECT_EQ(log.unauthenticated(), 1);
  EXPECT_EQ(log.total(), 2);
  const std::vector<std::string> lines = Lines(out);
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_EQ(lines[0],
            "refund-server: refused "
            "call=/refund.v1.RefundDecisionService/ListDecisions "
            "code=PERMISSION_DENIED principal=\"oms-a\" "
            "peer=\"ipv4:127.0.0.1:4000\" reason=\"principal \\\"oms-a\\\" "
            "(oms) may not call ListDecisions\" refused_total=1");
  EXPECT_THAT(lines[1], HasSubstr("code=UNAUTHENTICATED principal=\"\""));
  EXPECT_THAT(lines[1], HasSubstr("refused_total=2"));
}

TEST(RefusedCallLogTest, AClientChosenValueCannotStartANewLine) {
  std::ostringstream out;
  RefusedCallLog log(out);
  log.Record(
      {"/m", "", "ipv4:1.2.3.4:5", absl::StatusCode::kUnauthenticated,
       "certificate names cn=\"x\nrefund-server: refused call=/forged\""});
  const std::vector<std::string> lines = Lines(out);
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_THAT(lines[0], HasSubstr("x\\nrefund-server"));
}

TEST(RefusedCallLogTest, LinesBeyondTheRateAreCountedAndReportedLater) {
  std::ostringstream out;
  RefusedCallLog log(out, /*max_lines_per_second=*/3);
  // All within (at most) two seconds: at most 6 lines, all 50 counted.
  for (int i = 0; i < 50; ++i) {
    log.Record({"/m", "p", "peer", absl::StatusCode::kPermissionDenied, "r"});
  }
  EXPECT_EQ(log.total(), 50);
  EXPECT_LE(Lines(out).size(), 6u);
  // Once the second has passed, the next line carries what was left out.
  absl::SleepFor(absl::Seconds(1.1));
  log.Record({"/m", "p", "peer", absl::StatusCode::kPermissionDenied, "r"});
  const std::vector<std::string> lines = Lines(out);
  EXPECT_THAT(lines.back(), HasSubstr("refused_total=51 not_logged="));
  EXPECT_THAT(lines.front(), StartsWith("refund-server: refused call=/m"));
}

}  // namespace
}  // namespace refund::server

// refundctl's commands on a running refund-server (the real binary, a real
// port): get, list and export --server.
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "refund/v1/service.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/tools/refundctl/cli_run.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/refundctl.h"

namespace refund {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class ServerCommandsTest : public e2e::ShippedPoliciesTest {
 protected:
  void SetUp() override {
    e2e::ShippedPoliciesTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (int i = 0; i < 5; ++i) {
      decisions_.push_back(
          DecideOk(e2e::SevenDayReturn("cli-" + std::to_string(i))));
    }
    address_ = server_->address();
  }

  std::vector<v1::Decision> decisions_;
  std::string address_;
};

TEST_F(ServerCommandsTest, GetPrintsTheStoredDecision) {
  const v1::Decision& wanted = decisions_[2];
  const CliRun run = Cli({"get", wanted.decision_id(), "--server", address_});
  ASSERT_EQ(run.code, 0) << run.err;
  v1::Decision printed;
  ASSERT_TRUE(ParseJson(run.out, "stdout", &printed).ok()) << run.out;
  EXPECT_TRUE(MessageDifferencer::Equals(printed, wanted))
      << printed.ShortDebugString();

  const CliRun missing = Cli({"get", "no-such-id", "--server=" + address_});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
  EXPECT_EQ(Cli({"get", "--server", address_}).code, 2);
}

TEST_F(ServerCommandsTest, ListPagesAndFilters) {
  const CliRun page = Cli({"list", "--server", address_, "--page_size", "2"});
  ASSERT_EQ(page.code, 0) << page.err;
  v1::ListDecisionsResponse first;
  ASSERT_TRUE(ParseJson(page.out, "stdout", &first).ok()) << page.out;
  ASSERT_EQ(first.decisions_size(), 2);
  EXPECT_EQ(first.decisions(0).decision_id(), decisions_[0].decision_id());
  ASSERT_FALSE(first.next_page_token().empty());

  const CliRun next = Cli({"list", "--server", address_, "--page_size=2",
                           "--page_token", first.next_page_token()});
  ASSERT_EQ(next.code, 0) << next.err;
  v1::ListDecisionsResponse second;
  ASSERT_TRUE(ParseJson(next.out, "stdout", &second).ok());
  ASSERT_EQ(second.decisions_size(), 2);
  EXPECT_EQ(second.decisions(0).decision_id(), decisions_[2].decision_id());

  const CliRun all =
      Cli({"list", "--server", address_, "--page_size=2", "--all"});
  ASSERT_EQ(all.code, 0) << all.err;
  const std::vector<std::string> lines = Lines(all.out);
  ASSERT_EQ(lines.size(), decisions_.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    v1::Decision decision;
    ASSERT_TRUE(ParseJson(lines[i], "stdout", &decision).ok());
    EXPECT_EQ(decision.decision_id(), decisions_[i].decision_id());
  }

  const CliRun one = Cli({"list", "--server", address_, "--refund_id",
                          decisions_[3].refund_id(), "--all"});
  ASSERT_EQ(one.code, 0) << one.err;
  ASSERT_EQ(Lines(one.out).size(), 1u);
  EXPECT_THAT(one.out, HasSubstr(decisions_[3].decision_id()));

  const CliRun none =
      Cli({"list", "--server", address_, "--shop_id", "no-such-shop"});
  ASSERT_EQ(none.code, 0) << none.err;
  v1::ListDecisionsResponse empty;
  ASSERT_TRUE(ParseJson(none.out, "stdout", &empty).ok());
  EXPECT_EQ(empty.decisions_size(), 0);

  EXPECT_EQ(Cli({"list", "--server", address_, "--verdict", "maybe"}).code, 2);
}

TEST_F(ServerCommandsTest, ExportThroughTheServerWithFiltersAndLimit) {
  const CliRun run = Cli({"export", "--server", address_});
  ASSERT_EQ(run.code, 0) << run.err;
  std::vector<std::string> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), decisions_.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    v1::LogExportRecord record;
    ASSERT_TRUE(ParseJson(lines[i], "stdout", &record).ok()) << lines[i];
    EXPECT_EQ(record.seq(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(record.decision_id(), decisions_[i].decision_id());
    EXPECT_EQ(record.bundle_version(), decisions_[i].policy().version());
    EXPECT_TRUE(MessageDifferencer::Equals(record.decision(), decisions_[i]));
  }

  const CliRun limited = Cli({"export", "--server", address_, "--limit", "2"});
  ASSERT_EQ(limited.code, 0) << limited.err;
  EXPECT_EQ(Lines(limited.out).size(), 2u);

  const CliRun one = Cli({"export", "--server", address_, "--refund_id",
                          decisions_[4].refund_id()});
  ASSERT_EQ(one.code, 0) << one.err;
  lines = Lines(one.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr(decisions_[4].decision_id()));

  EXPECT_EQ(Cli({"export", "--server", address_, "--log-key-file", "k"}).code,
            2);
}

}  // namespace
}  // namespace refund

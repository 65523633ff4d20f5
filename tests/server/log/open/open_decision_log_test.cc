#include "server/log/open/open_decision_log.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;

TEST(OpenDecisionLogTest, PlainPathAndSqliteSchemeNameTheSameFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/logs/decisions.db";
  {
    auto log = OpenDecisionLog(path);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->PutBundle("v1", "b", "text", "").ok());
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  OpenLogOptions read_only;
  read_only.read_only = true;
  auto again = OpenDecisionLog("sqlite:" + path, read_only);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*(*again)->GetBundleText("v1"), "text");
  auto snapshot = OpenLogSnapshot("sqlite:" + path);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ((*snapshot)->Bundles()->size(), 1u);
}

TEST(OpenDecisionLogTest, MemorySpecOpensAnEmptyLogThatCannotBeReadOnly) {
  auto log = OpenDecisionLog("memory:");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_THAT((*log)->GetBundleText("v1"),
              StatusIs(absl::StatusCode::kNotFound, _));
  OpenLogOptions read_only;
  read_only.read_only = true;
  EXPECT_THAT(OpenDecisionLog("memory:", read_only),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  EXPECT_THAT(OpenLogSnapshot("memory:"),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
}

TEST(OpenDecisionLogTest, SpecWithoutAFileIsInvalidArgument) {
  EXPECT_THAT(
      OpenDecisionLog("sqlite:"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no file named")));
}

TEST(OpenDecisionLogTest, SnapshotOfAFileThatIsNotALogIsRefused) {
  testing::TempDir dir;
  EXPECT_THAT(OpenLogSnapshot(dir.path() + "/missing.db"),
              StatusIs(absl::StatusCode::kUnavailable, _));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/missing.db"));
}

}  // namespace
}  // namespace refund::server

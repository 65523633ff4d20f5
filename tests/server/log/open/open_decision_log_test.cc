#include "server/log/open/open_decision_log.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

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
  EXPECT_EQ((*log)->GetBundleText("v1").status().code(),
            absl::StatusCode::kNotFound);
  OpenLogOptions read_only;
  read_only.read_only = true;
  EXPECT_EQ(OpenDecisionLog("memory:", read_only).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenLogSnapshot("memory:").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OpenDecisionLogTest, SpecWithoutAFileIsInvalidArgument) {
  absl::Status status = OpenDecisionLog("sqlite:").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("no file named"));
}

TEST(OpenDecisionLogTest, SnapshotOfAFileThatIsNotALogIsRefused) {
  testing::TempDir dir;
  EXPECT_EQ(OpenLogSnapshot(dir.path() + "/missing.db").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/missing.db"));
}

}  // namespace
}  // namespace refund::server

// The checkpoint file (server/log/checkpoint/checkpoint_file.h): written
// whole, replaced atomically, its temporary gone; reads bounded to small
// regular files.
#include "server/log/checkpoint/checkpoint_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

TEST(CheckpointFileTest, WriteReplacesTheFileWhole) {
  refund::testing::TempDir dir;
  const std::string path = dir.path() + "/checkpoint";
  ASSERT_TRUE(WriteCheckpointFile(path, "first note\n").ok());
  EXPECT_EQ(ReadCheckpointFile(path).value_or(""), "first note\n");
  ASSERT_TRUE(WriteCheckpointFile(path, "second\n").ok());
  EXPECT_EQ(ReadCheckpointFile(path).value_or(""), "second\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_TRUE(info.st_mode & S_IRUSR);
}

TEST(CheckpointFileTest, WriteIntoAMissingFolderFailsNamingIt) {
  refund::testing::TempDir dir;
  EXPECT_THAT(WriteCheckpointFile(dir.path() + "/no/such/checkpoint", "x"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no/such/checkpoint.tmp")));
}

TEST(CheckpointFileTest, ReadRefusesWhatIsNotASmallRegularFile) {
  refund::testing::TempDir dir;
  EXPECT_THAT(ReadCheckpointFile(dir.path() + "/missing"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
  EXPECT_THAT(ReadCheckpointFile(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a regular file")));
  dir.Write("big", std::string(kMaxCheckpointFileBytes + 1, 'x'));
  EXPECT_THAT(
      ReadCheckpointFile(dir.path() + "/big"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("larger than")));
  const std::string fifo = dir.path() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(ReadCheckpointFile(fifo),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a regular file")));
}

}  // namespace
}  // namespace refund::server

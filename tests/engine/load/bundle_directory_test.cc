#include "engine/load/bundle_directory.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund {
namespace {

namespace fs = std::filesystem;

using ::refund::testing::StatusIs;
using ::refund::testing::TempDir;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPolicy[] = "name: \"x\"\n";

std::vector<std::string> PathsOf(const std::vector<BundleSourceFile>& files) {
  std::vector<std::string> paths;
  for (const BundleSourceFile& file : files) paths.push_back(file.path);
  return paths;
}

fs::path In(const TempDir& dir, const std::string& relative) {
  return fs::path(dir.path()) / relative;
}

DirectoryReadOptions ConfinedTo(const TempDir& root) {
  DirectoryReadOptions options;
  options.confine_to = fs::canonical(root.path()).string();
  return options;
}

TEST(BundleDirectoryTest, ReadsPolicyFilesSortedAndSkipsTestsAndOthers) {
  TempDir dir;
  dir.Write("rules/b.textproto", "b");
  dir.Write("bundle.textproto", "a");
  dir.Write("rules/tests/t.textproto", "t");
  dir.Write("tests/case.textproto", "t");
  dir.Write("README.md", "r");
  auto files = ReadBundleDirectory(dir.path());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_THAT(PathsOf(*files),
              ElementsAre("bundle.textproto", "rules/b.textproto"));
  EXPECT_EQ((*files)[1].content, "b");
}

// Before: directory_entry::is_directory() threw filesystem_error (ELOOP)
// out of the loader.
TEST(BundleDirectoryTest, LoopingLinkIsAStatusNotAnException) {
  TempDir dir;
  dir.Write("bundle.textproto", kPolicy);
  fs::create_symlink("loop", In(dir, "loop"));
  auto skipped = ReadBundleDirectory(dir.path());
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_THAT(PathsOf(*skipped), ElementsAre("bundle.textproto"));

  fs::create_symlink("loop.textproto", In(dir, "loop.textproto"));
  EXPECT_THAT(ReadBundleDirectory(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("loop.textproto: a symbolic link that "
                                 "cannot be followed")));
}

TEST(BundleDirectoryTest, DanglingLinkIsRefused) {
  TempDir dir;
  dir.Write("bundle.textproto", kPolicy);
  fs::create_symlink("gone.textproto", In(dir, "rules.textproto"));
  EXPECT_THAT(ReadBundleDirectory(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("rules.textproto: a symbolic link")));
}

TEST(BundleDirectoryTest, FileIsNotADirectory) {
  TempDir dir;
  dir.Write("bundle.textproto", kPolicy);
  EXPECT_THAT(
      ReadBundleDirectory(In(dir, "bundle.textproto").string()),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("not a directory")));
  EXPECT_THAT(ReadBundleDirectory(In(dir, "missing").string()),
              StatusIs(absl::StatusCode::kNotFound, _));
}

// A FIFO is never opened: the test would hang if it were (no writer).
TEST(BundleDirectoryTest, FifoNamedLikeAPolicyFileIsRefusedUnopened) {
  TempDir dir;
  dir.Write("bundle.textproto", kPolicy);
  ASSERT_EQ(mkfifo(In(dir, "rules.textproto").c_str(), 0600), 0);
  EXPECT_THAT(ReadBundleDirectory(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("rules.textproto: not a regular file "
                                 "(a FIFO)")));
}

TEST(BundleDirectoryTest, SocketNamedLikeAPolicyFileIsRefused) {
  TempDir dir;
  dir.Write("bundle.textproto", kPolicy);
  const std::string path = In(dir, "s.textproto").string();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof(address.sun_path));
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  close(fd);
  EXPECT_THAT(ReadBundleDirectory(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("s.textproto: not a regular file "
                                 "(a socket)")));
}

TEST(BundleDirectoryTest, LinkToADeviceIsRefusedUnopened) {
  TempDir dir;
  dir.Write("bundle.textproto", kPolicy);
  fs::create_symlink("/dev/zero", In(dir, "zero.textproto"));
  EXPECT_THAT(ReadBundleDirectory(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("a symbolic link to a device")));
}

TEST(BundleDirectoryTest, OperatorsLinkToAFileElsewhereIsFollowed) {
  TempDir elsewhere;
  elsewhere.Write("shared.textproto", kPolicy);
  TempDir dir;
  fs::create_symlink(In(elsewhere, "shared.textproto"),
                     In(dir, "bundle.textproto"));
  auto files = ReadBundleDirectory(dir.path());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ((*files)[0].content, kPolicy);
}

TEST(BundleDirectoryTest, ConfinedLinkInsideTheRootIsRead) {
  TempDir root;
  root.Write("common/catalog.textproto", "catalog");
  root.Write("next/bundle.textproto", kPolicy);
  fs::create_symlink("../common/catalog.textproto",
                     In(root, "next/catalog.textproto"));
  auto files = ReadBundleDirectory(In(root, "next").string(), ConfinedTo(root));
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_THAT(PathsOf(*files),
              ElementsAre("bundle.textproto", "catalog.textproto"));
  EXPECT_EQ((*files)[1].content, "catalog");
}

// Outside the root, existing or not: one answer, the content unread.
TEST(BundleDirectoryTest, ConfinedLinkOutOfTheRootIsRefusedTheSameWay) {
  TempDir outside;
  outside.Write("secret.textproto", "password: hunter2\n");
  TempDir root;
  root.Write("next/bundle.textproto", kPolicy);
  std::vector<std::string> messages;
  for (const std::string& target : std::vector<std::string>{
           In(outside, "secret.textproto").string(),
           In(outside, "missing.textproto").string(), "/dev/zero",
           "../../" + fs::path(outside.path()).filename().string() +
               "/secret.textproto"}) {
    fs::remove(In(root, "next/rules.textproto"));
    fs::create_symlink(target, In(root, "next/rules.textproto"));
    auto files =
        ReadBundleDirectory(In(root, "next").string(), ConfinedTo(root));
    EXPECT_THAT(files, StatusIs(absl::StatusCode::kInvalidArgument,
                                Not(HasSubstr("hunter2"))))
        << target;
    messages.push_back(std::string(files.status().message()));
  }
  EXPECT_THAT(messages[0], HasSubstr("rules.textproto: a symbolic link that "
                                     "does not resolve to a regular file "
                                     "under the root"));
  for (const std::string& message : messages) EXPECT_EQ(message, messages[0]);
}

TEST(BundleDirectoryTest, LimitsBoundTheWalk) {
  TempDir dir;
  dir.Write("a.textproto", "0123456789");
  dir.Write("b.textproto", "0123456789");
  dir.Write("one/two/three/c.textproto", "x");
  for (int i = 0; i < 5; ++i) dir.Write("other/" + std::to_string(i), "");
  ASSERT_TRUE(ReadBundleDirectory(dir.path()).ok());

  DirectoryReadOptions files;
  files.limits.max_files = 2;
  EXPECT_THAT(ReadBundleDirectory(dir.path(), files),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("more than 2 policy files")));
  DirectoryReadOptions bytes;
  bytes.limits.max_bytes = 15;
  EXPECT_THAT(ReadBundleDirectory(dir.path(), bytes),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("b.textproto: the policy files come to more "
                                 "than 15 bytes")));
  DirectoryReadOptions depth;
  depth.limits.max_depth = 2;
  EXPECT_THAT(ReadBundleDirectory(dir.path(), depth),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("one/two/three: more than 2 folders deep")));
  DirectoryReadOptions entries;
  entries.limits.max_entries = 8;
  EXPECT_THAT(ReadBundleDirectory(dir.path(), entries),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("more than 8 entries")));
  DirectoryReadOptions enough;
  enough.limits = {/*max_entries=*/12, /*max_files=*/3, /*max_bytes=*/21,
                   /*max_depth=*/3};
  EXPECT_TRUE(ReadBundleDirectory(dir.path(), enough).ok());
}

TEST(BundleDirectoryTest, TheShippedBundleIsWellWithinCandidateSizedLimits) {
  DirectoryReadOptions options;
  options.limits = {/*max_entries=*/100, /*max_files=*/50,
                    /*max_bytes=*/400 << 10, /*max_depth=*/2};
  auto files = ReadBundleDirectory(REFUND_POLICIES_DIR, options);
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_GT(files->size(), 5u);
}

// 200 nested folders: the walk reports the depth, no stack or path trouble.
TEST(BundleDirectoryTest, VeryDeepTreeIsAStatus) {
  TempDir dir;
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "d/";
  dir.Write(deep + "x.textproto", kPolicy);
  DirectoryReadOptions options;
  options.limits.max_depth = 8;
  EXPECT_THAT(ReadBundleDirectory(dir.path(), options),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("more than 8 folders deep")));
  auto unbounded = ReadBundleDirectory(dir.path());
  ASSERT_TRUE(unbounded.ok()) << unbounded.status();
  EXPECT_THAT(*unbounded, ElementsAre(Field(&BundleSourceFile::content,
                                            std::string(kPolicy))));
}

}  // namespace
}  // namespace refund

#include "server/bundles/candidate_root.h"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/bundles/bundle_source.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_bundle.h"

namespace refund::server {
namespace {

namespace fs = std::filesystem;

using ::refund::testing::StatusIs;
using ::refund::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kField[] = "candidate.directory";

void WriteTestBundle(const TempDir& dir, const std::string& folder) {
  for (const BundleSourceFile& file : testing::TestBundleFiles()) {
    dir.Write(folder + "/" + file.path, file.content);
  }
}

class CandidateRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteTestBundle(root_dir_, "next");
    absl::StatusOr<CandidateRoot> root = CandidateRoot::Open(root_dir_.path());
    ASSERT_TRUE(root.ok()) << root.status();
    root_ = *root;
  }

  fs::path In(const std::string& relative) const {
    return fs::path(root_dir_.path()) / relative;
  }

  TempDir root_dir_;
  TempDir outside_;
  CandidateRoot root_;
};

TEST_F(CandidateRootTest, NoRootRefusesEveryDirectory) {
  const CandidateRoot none;
  EXPECT_FALSE(none.accepts_directories());
  for (const std::string directory : {"next", "/etc", "."}) {
    EXPECT_THAT(none.Read(directory, kField),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         "candidate.directory: this server takes no "
                         "candidate directories (start it with "
                         "--candidate_root)"));
  }
  absl::StatusOr<CandidateRoot> empty = CandidateRoot::Open("");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->accepts_directories());
}

TEST_F(CandidateRootTest, OpenRefusesARootThatIsNotADirectory) {
  EXPECT_THAT(CandidateRoot::Open(root_dir_.path() + "/missing"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--candidate_root: ")));
  EXPECT_THAT(CandidateRoot::Open(In("next/bundle.textproto").string()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is not a directory")));
}

TEST_F(CandidateRootTest, RelativeDirectoryUnderTheRootIsRead) {
  for (const std::string directory : {"next", "./next", "next/", "next/."}) {
    absl::StatusOr<std::vector<BundleSourceFile>> files =
        root_.Read(directory, kField);
    ASSERT_TRUE(files.ok()) << directory << ": " << files.status();
    EXPECT_EQ(files->size(), testing::TestBundleFiles().size());
  }
  // A link to a release inside the root is followed.
  WriteTestBundle(root_dir_, "releases/v2");
  fs::create_symlink("releases/v2", In("current"));
  EXPECT_TRUE(root_.Read("current", kField).ok());
}

TEST_F(CandidateRootTest, AbsolutePathIsRefused) {
  for (const std::string& directory :
       std::vector<std::string>{"/etc", In("next").string(), "//next"}) {
    EXPECT_THAT(root_.Read(directory, kField),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("candidate.directory: "),
                               HasSubstr("is absolute"))))
        << directory;
  }
}

TEST_F(CandidateRootTest, ParentComponentIsRefused) {
  fs::create_directories(In("a/b"));
  const std::string sibling =
      "../" + fs::path(outside_.path()).filename().string();
  for (const std::string& directory :
       std::vector<std::string>{"..", "next/..", "a/b/../../next", sibling}) {
    EXPECT_THAT(root_.Read(directory, kField),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("has a \"..\" component")))
        << directory;
  }
}

TEST_F(CandidateRootTest, NulByteAndOverlongPathAreRefused) {
  EXPECT_THAT(
      root_.Read(std::string("next\0/x", 7), kField),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("NUL byte")));
  EXPECT_THAT(root_.Read(std::string(2000, 'a'), kField),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("longer than 1024 bytes")));
}

// Out of the root through a link, to a path that exists or not, to /proc or
// /dev, missing inside, a file, a FIFO: one answer, nothing read.
TEST_F(CandidateRootTest, EveryPathThatIsNotADirectoryUnderTheRootLooksAlike) {
  WriteTestBundle(outside_, "policies");
  outside_.Write("secret.textproto", "password: hunter2\n");
  fs::create_symlink(outside_.path(), In("out"));
  fs::create_symlink(fs::path(outside_.path()) / "policies", In("out_bundle"));
  fs::create_symlink(fs::path(outside_.path()) / "missing", In("out_missing"));
  fs::create_symlink("/proc/self", In("proc"));
  fs::create_symlink("/", In("slash"));
  fs::create_symlink("/dev/null", In("null"));
  fs::create_symlink("loop", In("loop"));
  ASSERT_EQ(mkfifo(In("fifo").c_str(), 0600), 0);
  const std::string expected =
      "candidate.directory: \"X\" is not a directory under the candidate "
      "root";
  for (const std::string directory :
       {"out", "out/policies", "out/missing", "out_bundle", "out_missing",
        "proc", "proc/fd", "slash", "slash/etc", "slash/proc/self", "null",
        "loop", "fifo", "missing", "next/bundle.textproto",
        "next/missing/deeper"}) {
    EXPECT_THAT(root_.Read(directory, kField),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         absl::StrReplaceAll(expected, {{"X", directory}})))
        << directory;
  }
}

TEST_F(CandidateRootTest, SpecialFileInsideTheCandidateIsRefusedUnopened) {
  ASSERT_EQ(mkfifo(In("next/extra.textproto").c_str(), 0600), 0);
  EXPECT_THAT(root_.Read("next", kField),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "candidate.directory: \"next\": "
                       "extra.textproto: not a regular file (a FIFO)"));
}

TEST_F(CandidateRootTest, LinkedPolicyFileOutOfTheRootIsRefused) {
  outside_.Write("secret.textproto", "password: hunter2\n");
  fs::create_symlink(fs::path(outside_.path()) / "secret.textproto",
                     In("next/secret.textproto"));
  EXPECT_THAT(root_.Read("next", kField),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("secret.textproto: a symbolic link "
                                       "that does not resolve to a regular "
                                       "file under the root"),
                             Not(HasSubstr("hunter2")))));
}

TEST_F(CandidateRootTest, LimitsBoundTheWalk) {
  DirectoryLimits limits = CandidateDirectoryLimits();
  limits.max_files = 2;
  absl::StatusOr<CandidateRoot> small =
      CandidateRoot::Open(root_dir_.path(), limits);
  ASSERT_TRUE(small.ok());
  EXPECT_THAT(small->Read("next", kField),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("more than 2 policy files")));
  // A tree of 20,000 entries stops at the entry limit (a home directory).
  for (int i = 0; i < 101; ++i) {
    fs::create_directories(In("wide/d" + std::to_string(i)));
    for (int j = 0; j < 100; ++j) {
      root_dir_.Write("wide/d" + std::to_string(i) + "/f" + std::to_string(j),
                      "");
    }
  }
  EXPECT_THAT(root_.Read("wide", kField),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("more than 10000 entries")));
}

// The default limits leave a wide margin around the shipped bundle.
TEST(CandidateDirectoryLimitsTest, ShippedBundleIsReadWithAWideMargin) {
  DirectoryLimits tenth = CandidateDirectoryLimits();
  tenth.max_entries /= 10;
  tenth.max_files /= 10;
  tenth.max_bytes /= 10;
  tenth.max_depth = 2;
  absl::StatusOr<CandidateRoot> root = CandidateRoot::Open(
      fs::path(REFUND_POLICIES_DIR).parent_path().string(), tenth);
  ASSERT_TRUE(root.ok()) << root.status();
  std::vector<PolicyIssue> issues;
  v1::PolicyBundleSource source;
  source.set_directory(fs::path(REFUND_POLICIES_DIR).filename().string());
  auto bundle = LoadBundleSource(source, "candidate", *root, &issues);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_GT((*bundle)->definition().rules_size(), 10);
}

// Inline files are the client's own: issues quote them as before. Files
// read on the server do not.
TEST(BundleSourceTest, ParseErrorsQuoteInlineFilesButNotServerFiles) {
  TempDir dir;
  WriteTestBundle(dir, "next");
  dir.Write("next/secret.textproto", "password: hunter2\n");
  absl::StatusOr<CandidateRoot> root = CandidateRoot::Open(dir.path());
  ASSERT_TRUE(root.ok());
  v1::PolicyBundleSource by_directory;
  by_directory.set_directory("next");
  std::vector<PolicyIssue> issues;
  EXPECT_THAT(
      LoadBundleSource(by_directory, "candidate", *root, &issues),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("secret.textproto:1:"),
                     Not(HasSubstr("password")), Not(HasSubstr("hunter2")))));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].file, "secret.textproto");

  v1::PolicyBundleSource inline_files;
  for (const BundleSourceFile& file : testing::TestBundleFiles()) {
    v1::SourceFile* out = inline_files.add_files();
    out->set_path(file.path);
    out->set_content(file.content);
  }
  v1::SourceFile* secret = inline_files.add_files();
  secret->set_path("secret.textproto");
  secret->set_content("password: hunter2\n");
  EXPECT_THAT(
      LoadBundleSource(inline_files, "candidate", CandidateRoot(), nullptr),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"password\"")));
  EXPECT_THAT(
      LoadBundleSource(v1::PolicyBundleSource(), "candidate", *root, nullptr),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "candidate: give files or a directory"));
}

}  // namespace
}  // namespace refund::server

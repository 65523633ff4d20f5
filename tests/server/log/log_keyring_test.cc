#include "server/log/log_keyring.h"

#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kKeyA(64, 'a');
const std::string kKeyB =
    "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";

absl::StatusOr<std::shared_ptr<const LogKeyring>> Parse(
    const std::string& text) {
  return LogKeyring::Parse(text, "keys");
}

TEST(LogKeyringTest, LastKeySealsAndEveryKeyOpens) {
  absl::StatusOr<std::shared_ptr<const LogKeyring>> old_ring =
      Parse(absl::StrCat("2026-01 ", kKeyA, "\n"));
  absl::StatusOr<std::shared_ptr<const LogKeyring>> ring =
      Parse(absl::StrCat("# rotated monthly\n\n  2026-01\t", kKeyA,
                         "  \n2026.02_b-c ", kKeyB, "\n"));
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_THAT((*ring)->key_ids(), ElementsAre("2026-01", "2026.02_b-c"));
  EXPECT_EQ((*ring)->current_key_id(), "2026.02_b-c");

  const std::string old_blob =
      *(*old_ring)->Seal(BlobRole::kDecision, "d-1", "old");
  EXPECT_EQ(*(*ring)->Open("2026-01", BlobRole::kDecision, "d-1", old_blob),
            "old");
  const std::string blob = *(*ring)->Seal(BlobRole::kDecision, "d-1", "new");
  EXPECT_EQ(*(*ring)->Open("2026.02_b-c", BlobRole::kDecision, "d-1", blob),
            "new");
  EXPECT_THAT((*ring)->Open("2026-01", BlobRole::kDecision, "d-1", blob),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::_));
  EXPECT_THAT(
      (*old_ring)->Open("2026.02_b-c", BlobRole::kDecision, "d-1", blob),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("encrypted with key \"2026.02_b-c\", which "
                         "the key file does not hold")));
}

TEST(LogKeyringTest, PlainBlobsPassAndSealedOnesNeedAKey) {
  EXPECT_EQ(*OpenStoredBlob(nullptr, "", BlobRole::kRequest, "d-1", "plain"),
            "plain");
  EXPECT_THAT(OpenStoredBlob(nullptr, "k1", BlobRole::kRequest, "d-1", "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("key \"k1\", and no key file was given")));
}

struct BadFile {
  std::string text;
  std::string error;
};

class LogKeyringBadFileTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(LogKeyringBadFileTest, IsRefusedNamingTheLineNotTheKey) {
  absl::StatusOr<std::shared_ptr<const LogKeyring>> ring =
      Parse(GetParam().text);
  EXPECT_THAT(ring, StatusIs(absl::StatusCode::kInvalidArgument,
                             HasSubstr(GetParam().error)));
  EXPECT_THAT(ring.status().message(), Not(HasSubstr(kKeyA.substr(0, 16))));
  EXPECT_THAT(ring.status().message(), Not(HasSubstr("0011223344")));
}

INSTANTIATE_TEST_SUITE_P(
    Files, LogKeyringBadFileTest,
    ::testing::Values(
        BadFile{"", "keys: no key"}, BadFile{"# only a comment\n", "no key"},
        BadFile{absl::StrCat("k1 ", kKeyA, "\nk2\n"),
                "keys line 2: expected `<key id> <64 hex digits>`"},
        BadFile{absl::StrCat("k1 ", kKeyA, " extra\n"),
                "keys line 1: expected"},
        BadFile{absl::StrCat("k1 ", kKeyA.substr(1), "\n"),
                "keys line 1: the key must be 64 hex digits"},
        BadFile{absl::StrCat("k1 ", kKeyA.substr(1), "g\n"),
                "line 1: the key must be 64 hex digits"},
        BadFile{absl::StrCat("\n\nk/1 ", kKeyA, "\n"),
                "keys line 3: the key id may hold only"},
        BadFile{absl::StrCat(std::string(65, 'k'), " ", kKeyA),
                "line 1: the key id is longer than 64"},
        BadFile{absl::StrCat("k1 ", kKeyA, "\nk2 ", kKeyB, "\nk1 ", kKeyB),
                "keys line 3: key id \"k1\" is given twice"}));

class LogKeyFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text, mode_t mode) {
    const std::string path = dir_.path() + "/keys";
    std::ofstream(path) << text;
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(LogKeyFileTest, OwnerOnlyFileIsRead) {
  absl::StatusOr<std::shared_ptr<const LogKeyring>> ring =
      LogKeyring::ReadFile(Write(absl::StrCat("k1 ", kKeyA, "\n"), 0600));
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_EQ((*ring)->current_key_id(), "k1");
  EXPECT_TRUE(
      LogKeyring::ReadFile(Write(absl::StrCat("k1 ", kKeyA), 0400)).ok());
}

TEST_F(LogKeyFileTest, FileOthersMayReadIsRefused) {
  for (mode_t mode : {0640, 0604, 0620, 0644}) {
    SCOPED_TRACE(mode);
    EXPECT_THAT(LogKeyring::ReadFile(Write(absl::StrCat("k1 ", kKeyA), mode)),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         HasSubstr("group or others may access it")));
  }
}

TEST_F(LogKeyFileTest, BadLineNamesTheFileAndLine) {
  const std::string path = Write("k1 nothex\n", 0600);
  EXPECT_THAT(LogKeyring::ReadFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("key file ", path, " line 1"))));
}

TEST_F(LogKeyFileTest, MissingFileAndDirectoryAreRefused) {
  EXPECT_THAT(LogKeyring::ReadFile(dir_.path() + "/none"),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(LogKeyring::ReadFile(dir_.path()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not a regular file")));
}

}  // namespace
}  // namespace refund::server

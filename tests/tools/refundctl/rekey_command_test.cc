// refundctl rekey on a real log of decided requests: plain -> encrypted ->
// rotated -> plain, with verify passing and exact replay reproducing every
// decision at each step, and the flags' mistakes.
#include <sys/stat.h>

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/log_builder.h"
#include "tests/testing/temp_dir.h"
#include "tools/refundctl/refundctl.h"

namespace refund {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int kCases = 120;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

class RekeyCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stored = testing::StoredLog::Create(kCases);
    ASSERT_TRUE(stored.ok()) << stored.status();
    stored_ = *std::move(stored);
    stored_->log.reset();
    db_flag_ = "--db=" + stored_->path;
  }

  // A key file with `lines`, mode 0600; its --log-key-file flag.
  std::string KeyFile(const std::string& name, const std::string& lines) {
    keys_.Write(name, lines);
    const std::string path = keys_.path() + "/" + name;
    EXPECT_EQ(chmod(path.c_str(), 0600), 0);
    return "--log-key-file=" + path;
  }

  CliRun Run(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    int code = RunRefundctl(args, out, err);
    return {code, out.str(), err.str()};
  }

  // verify and exact replay both pass with `key_flag` (may be empty).
  void ExpectVerifiesAndReplays(const std::string& key_flag) {
    std::vector<std::string> verify = {"verify", db_flag_};
    std::vector<std::string> replay = {"replay", db_flag_};
    if (!key_flag.empty()) {
      verify.push_back(key_flag);
      replay.push_back(key_flag);
    }
    CliRun verified = Run(verify);
    EXPECT_EQ(verified.code, 0) << verified.out << verified.err;
    EXPECT_THAT(verified.out, StartsWith(absl::StrCat("OK: ", kCases)));
    // The chain is the same whichever way the rows are kept.
    EXPECT_THAT(verified.out, HasSubstr(last_row_));
    CliRun replayed = Run(replay);
    EXPECT_EQ(replayed.code, 0) << replayed.err;
    EXPECT_THAT(replayed.out,
                HasSubstr(absl::StrCat("exact replay: ", kCases,
                                       " decisions, 0 changed, 0 integrity "
                                       "failures, 0 errors")));
  }

  std::unique_ptr<testing::StoredLog> stored_;
  testing::TempDir keys_;
  std::string db_flag_;
  std::string last_row_;
};

TEST_F(RekeyCommandTest, PlainToEncryptedToRotatedToPlain) {
  CliRun before = Run({"verify", db_flag_});
  ASSERT_EQ(before.code, 0) << before.out;
  last_row_ = before.out.substr(before.out.find("last row:"));
  ExpectVerifiesAndReplays("");

  const std::string key_a = std::string(64, 'a');
  const std::string key_b = std::string(64, 'b');
  const std::string one = KeyFile("one.keys", "2026-11 " + key_a + "\n");
  const std::string two =
      KeyFile("two.keys", "2026-11 " + key_a + "\n2026-12 " + key_b + "\n");

  CliRun sealed = Run({"rekey", db_flag_, one, "--batch=7"});
  EXPECT_EQ(sealed.code, 0) << sealed.err;
  EXPECT_EQ(sealed.out, absl::StrCat("rekeyed ", kCases, " of ", kCases,
                                     " decisions; every row is now encrypted "
                                     "with key \"2026-11\"\n"));
  ExpectVerifiesAndReplays(one);
  CliRun without = Run({"verify", db_flag_});
  EXPECT_EQ(without.code, 1);
  EXPECT_THAT(without.out, HasSubstr("KEY_MISSING"));
  CliRun replay_without = Run({"replay", db_flag_});
  EXPECT_EQ(replay_without.code, 1);
  EXPECT_THAT(replay_without.err, HasSubstr("key \"2026-11\""));

  CliRun rotated = Run({"rekey", db_flag_, two});
  EXPECT_EQ(rotated.code, 0) << rotated.err;
  EXPECT_THAT(rotated.out, HasSubstr("now encrypted with key \"2026-12\""));
  EXPECT_THAT(rotated.out, HasSubstr("no row uses key 2026-11 any more"));
  ExpectVerifiesAndReplays(two);

  CliRun plain = Run({"rekey", db_flag_, two, "--to-plain"});
  EXPECT_EQ(plain.code, 0) << plain.err;
  EXPECT_THAT(plain.out, HasSubstr("every row is now plain"));
  ExpectVerifiesAndReplays("");
}

TEST_F(RekeyCommandTest, FlagMistakesAreUsageErrors) {
  EXPECT_EQ(Run({"rekey", db_flag_}).code, 2);
  EXPECT_EQ(Run({"rekey", "--log-key-file=x"}).code, 2);
  const std::string one = KeyFile("one.keys", "k " + std::string(64, 'a'));
  EXPECT_EQ(Run({"rekey", db_flag_, one, "--batch=0"}).code, 2);
  EXPECT_EQ(Run({"verify", "--server=127.0.0.1:1", one}).code, 2);
  keys_.Write("open.keys", "k " + std::string(64, 'a'));
  CliRun open =
      Run({"rekey", db_flag_, "--log-key-file=" + keys_.path() + "/open.keys"});
  EXPECT_EQ(open.code, 1);
  EXPECT_THAT(open.err, HasSubstr("group or others may access it"));
}

}  // namespace
}  // namespace refund

// Encryption at rest end to end: the real refund-server with --log_key_file
// on a real SQLite file, then the encrypted log read by refundctl with and
// without the key, the server refused without it, and the log migrated back
// to plain.
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/shell_command.h"
#include "tests/e2e/small_bundle.h"

namespace refund::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kBuyer[] = "buyer-e2e-secret-4242";

// Runs refundctl with `args`; its exit code and everything it printed.
CommandResult Refundctl(const std::string& args) {
  return RunCommand(absl::StrCat(REFUNDCTL_BINARY, " ", args));
}

class EncryptionTest : public ServerTestBase {
 protected:
  void SetUp() override {
    policies_ = std::filesystem::path(dir_.path()) / "policies";
    dir_.Write("policies/bundle.textproto", kBundleFile);
    dir_.Write("policies/rules/rules.textproto", kRulesFile);
    key_file_ = dir_.path() + "/log.keys";
    dir_.Write("log.keys",
               "# the decision log's keys\n2026-12 "
               "8f3b1c2d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd"
               "ef\n");
    ASSERT_EQ(chmod(key_file_.c_str(), 0600), 0);
    db_flag_ = "--db=" + db_path().string();
  }

  ServerProcessOptions WithKey() const {
    ServerProcessOptions options;
    options.extra_args = {"--log_key_file=" + key_file_};
    return options;
  }

  // Whether the log's files hold `text` in clear.
  bool LogFilesHold(const std::string& text) const {
    for (const std::string suffix : {"", "-wal"}) {
      std::ifstream in(db_path().string() + suffix, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      if (bytes.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::filesystem::path policies_;
  std::string key_file_;
  std::string db_flag_;
};

TEST_F(EncryptionTest, EncryptedLogIsReadWithTheKeyAndRefusedWithout) {
  StartServer(policies_, WithKey());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    v1::RefundRequest request = SevenDayReturn(absl::StrCat("enc-", i));
    request.mutable_buyer()->set_buyer_id(kBuyer);
    ids.push_back(DecideOk(request).decision_id());
  }
  // The server reads its own sealed rows.
  v1::Decision stored;
  ASSERT_TRUE(GetDecision(ids[2], &stored).ok());
  EXPECT_EQ(stored.decision_id(), ids[2]);
  StopServer();
  EXPECT_FALSE(LogFilesHold(kBuyer));
  EXPECT_FALSE(LogFilesHold("order-enc-1"));

  // Without the key: clear errors, non-zero exits, nothing in clear.
  CommandResult verify = Refundctl(absl::StrCat("verify ", db_flag_));
  EXPECT_EQ(verify.exit_code, 1) << verify.output;
  EXPECT_THAT(verify.output,
              HasSubstr("KEY_MISSING: 5 rows (seq 1 to 5) encrypted with key "
                        "\"2026-12\" could not be read"));
  CommandResult exported = Refundctl(absl::StrCat("export ", db_flag_));
  EXPECT_EQ(exported.exit_code, 1) << exported.output;
  EXPECT_THAT(exported.output,
              HasSubstr("row seq 1 is encrypted with key \"2026-12\", and no "
                        "key file was given"));
  EXPECT_THAT(exported.output, Not(HasSubstr(kBuyer)));
  CommandResult replay = Refundctl(absl::StrCat("replay ", db_flag_));
  EXPECT_EQ(replay.exit_code, 1) << replay.output;
  EXPECT_THAT(replay.output, HasSubstr("key \"2026-12\""));

  // With the key: everything works.
  const std::string key = " --log-key-file=" + key_file_;
  verify = Refundctl(absl::StrCat("verify ", db_flag_, key));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr("OK: 5 decisions"));
  exported = Refundctl(
      absl::StrCat("export ", db_flag_, " --log_key_file=", key_file_));
  EXPECT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_THAT(exported.output, HasSubstr(kBuyer));
  replay = Refundctl(absl::StrCat("replay ", db_flag_, key));
  EXPECT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_THAT(replay.output, HasSubstr("exact replay: 5 decisions, 0 changed"));

  // The server will not start without the key of its rows.
  EXPECT_FALSE(StartRefundServer(policies_.string(), db_path().string()).ok());

  // Back to plain: readable without the key, the chain as it was.
  const std::string last_hash =
      verify.output.substr(verify.output.find("row_hash "), 73);
  CommandResult rekey =
      Refundctl(absl::StrCat("rekey ", db_flag_, key, " --to-plain"));
  EXPECT_EQ(rekey.exit_code, 0) << rekey.output;
  EXPECT_THAT(rekey.output, HasSubstr("rekeyed 5 of 5 decisions; every row "
                                      "is now plain"));
  verify = Refundctl(absl::StrCat("verify ", db_flag_));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr(last_hash));
  EXPECT_TRUE(LogFilesHold(kBuyer));
  StartServer(policies_);
  ASSERT_TRUE(GetDecision(ids[4], &stored).ok());
}

TEST_F(EncryptionTest, KeyFileOthersCanReadIsRefusedAtStart) {
  ASSERT_EQ(chmod(key_file_.c_str(), 0644), 0);
  EXPECT_FALSE(
      StartRefundServer(policies_.string(), db_path().string(), WithKey())
          .ok());
  ASSERT_EQ(chmod(key_file_.c_str(), 0600), 0);
  StartServer(policies_, WithKey());
}

}  // namespace
}  // namespace refund::e2e

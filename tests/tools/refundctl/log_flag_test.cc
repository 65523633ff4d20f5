// --log=SPEC on refundctl's commands that read a decision log store
// (verify, export, replay, rekey): the same as --db=FILE, never both, and
// never a password in a PostgreSQL URI.
#include <sys/stat.h>

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/log_builder.h"
#include "tools/refundctl/refundctl.h"

namespace refund {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

class LogFlagTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stored = testing::StoredLog::Create(40);
    ASSERT_TRUE(stored.ok()) << stored.status();
    stored_ = *std::move(stored);
    stored_->log.reset();
  }

  CliRun Run(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int code = RunRefundctl(args, out, err);
    return {code, out.str(), err.str()};
  }

  std::unique_ptr<testing::StoredLog> stored_;
};

TEST_F(LogFlagTest, LogIsDbUnderAnyStoreSpelling) {
  const std::string& path = stored_->path;
  const CliRun by_db = Run({"verify", "--db=" + path});
  ASSERT_EQ(by_db.code, 0) << by_db.out;
  for (const std::string& spec : {path, "sqlite:" + path}) {
    const CliRun verified = Run({"verify", "--log=" + spec});
    EXPECT_EQ(verified.code, 0) << verified.err;
    EXPECT_EQ(verified.out, by_db.out);
    const CliRun exported = Run({"export", "--log=" + spec});
    EXPECT_EQ(exported.code, 0) << exported.err;
    EXPECT_EQ(exported.out, Run({"export", "--db=" + path}).out);
    const CliRun replayed = Run({"replay", "--log=" + spec});
    EXPECT_EQ(replayed.code, 0) << replayed.err;
    EXPECT_THAT(replayed.out, HasSubstr("exact replay: 40 decisions"));
  }
  stored_->dir.Write("log.keys", "k " + std::string(64, 'a') + "\n");
  const std::string keys = stored_->dir.path() + "/log.keys";
  ASSERT_EQ(chmod(keys.c_str(), 0600), 0);
  const CliRun rekeyed =
      Run({"rekey", "--log=sqlite:" + path, "--log-key-file=" + keys});
  EXPECT_EQ(rekeyed.code, 0) << rekeyed.err;
  EXPECT_THAT(rekeyed.out, StartsWith("rekeyed 40 of 40 decisions"));
}

TEST_F(LogFlagTest, LogAndDbTogetherAreAUsageError) {
  const std::string& path = stored_->path;
  for (const char* command : {"verify", "export", "replay", "rekey"}) {
    const CliRun both =
        Run({command, "--log=" + path, "--db=" + path, "--log-key-file=k"});
    EXPECT_EQ(both.code, 2) << command;
    EXPECT_THAT(both.err, HasSubstr(std::string(command) +
                                    ": --log and --db both name a decision "
                                    "log"));
  }
}

TEST_F(LogFlagTest, ALogIsRequired) {
  EXPECT_THAT(Run({"export"}).err,
              HasSubstr("export: --log=SPEC (or --db=FILE) is required"));
  EXPECT_THAT(Run({"rekey", "--log-key-file=k"}).err,
              HasSubstr("rekey: --log=SPEC (or --db=FILE) is required"));
  const CliRun verify = Run({"verify"});
  EXPECT_EQ(verify.code, 2);
  EXPECT_THAT(verify.err,
              HasSubstr("give one of --log=SPEC (or --db=FILE) or --server"));
  EXPECT_EQ(
      Run({"replay", "--log=" + stored_->path, "--server=127.0.0.1:1"}).code,
      2);
}

TEST_F(LogFlagTest, APasswordInTheUriIsRefusedAndNotRepeated) {
  for (const char* command : {"verify", "export", "replay"}) {
    for (const std::string flag :
         {"--log=postgresql://refund:s3cr3t@db.internal/refund",
          "--db=postgres://refund@db.internal/refund?password=s3cr3t"}) {
      const CliRun refused = Run({command, flag});
      EXPECT_EQ(refused.code, 2) << command << " " << flag;
      EXPECT_THAT(refused.err,
                  AllOf(HasSubstr("the PostgreSQL URI holds a password"),
                        HasSubstr("PGPASSFILE"), HasSubstr("PGPASSWORD"),
                        Not(HasSubstr("s3cr3t"))));
    }
  }
}

TEST_F(LogFlagTest, TheUsageNamesLog) {
  const CliRun help = Run({"help"});
  EXPECT_THAT(help.out, AllOf(HasSubstr("verify  --log=SPEC"),
                              HasSubstr("migrate --from=SPEC --to=SPEC"),
                              HasSubstr("PGPASSFILE")));
}

}  // namespace
}  // namespace refund

// End-to-end: refund-server --log=SPEC. It serves the store the spec names
// (--db, the older flag, stays the default), and refuses to start, in one
// line naming the problem, on --log with another --db, a PostgreSQL URI
// holding a password or that cannot be read, and a log that cannot be
// opened.
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/shell_command.h"
#include "tests/e2e/small_bundle.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_postgres.h"

namespace refund::e2e {
namespace {

using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class LogFlagTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("policies/bundle.textproto", kBundleFile);
    dir_.Write("policies/rules/rules.textproto", kRulesFile);
    policies_ = dir_.path() + "/policies";
  }

  // refund-server with `flags`, started in a directory of its own (so
  // that a relative path it might create shows there); stopped by
  // `timeout` should it start.
  CommandResult Start(const std::string& flags) {
    std::filesystem::create_directories(cwd());
    return RunCommand(absl::StrCat(
        "cd ", cwd(), " && timeout 30 ", REFUND_SERVER_BINARY,
        " --listen=127.0.0.1:0 --policies=", policies_, " ", flags));
  }

  // What the refused start left in its directory (nothing, or what a
  // store created).
  bool CwdIsEmpty() const { return std::filesystem::is_empty(cwd()); }
  std::string cwd() const { return dir_.path() + "/cwd"; }

  // The output is one line: the problem.
  static void ExpectOneLine(const CommandResult& result) {
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_THAT(result.output, StartsWith("refund-server: "));
    EXPECT_EQ(result.output.find('\n'), result.output.size() - 1)
        << result.output;
  }

  refund::testing::TempDir dir_;
  std::string policies_;
};

TEST_F(LogFlagTest, ServesTheStoreTheSpecNames) {
  const std::string path = dir_.path() + "/logs/decisions.db";
  ServerProcessOptions options;
  options.extra_args = {"--log=sqlite:" + path};
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      StartRefundServer(policies_, /*db=*/"", options);
  ASSERT_TRUE(server.ok()) << server.status();
  v1::Decision decision;
  {
    auto stub = (*server)->NewStub();
    grpc::ClientContext context;
    ASSERT_TRUE(
        stub->Decide(&context, Decide(SevenDayReturn("log-flag-1")), &decision)
            .ok());
  }
  ASSERT_TRUE((*server)->Stop().ok());
  ASSERT_TRUE(std::filesystem::exists(path));

  // The same file through --db.
  server = StartRefundServer(policies_, path);
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->NewStub();
  grpc::ClientContext context;
  v1::GetDecisionRequest get;
  get.set_decision_id(decision.decision_id());
  v1::Decision stored;
  ASSERT_TRUE(stub->GetDecision(&context, get, &stored).ok());
  EXPECT_EQ(stored.SerializeAsString(), decision.SerializeAsString());
}

TEST_F(LogFlagTest, LogWithTheDefaultDbIsFine) {
  const bool existed = std::filesystem::exists("data/decisions.db");
  ServerProcessOptions options;
  options.extra_args = {"--log=memory:"};
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      StartRefundServer(policies_, "data/decisions.db", options);
  ASSERT_TRUE(server.ok()) << server.status();
  if (!existed) {
    EXPECT_FALSE(std::filesystem::exists("data/decisions.db"));
  }
}

TEST_F(LogFlagTest, LogAndAnotherDbAreRefused) {
  const CommandResult refused = Start("--log=memory: --db=other.db");
  ExpectOneLine(refused);
  EXPECT_EQ(refused.output,
            "refund-server: --log and --db both name a decision log: give "
            "one (--db=PATH is --log=sqlite:PATH)\n");
  EXPECT_TRUE(CwdIsEmpty());
}

TEST_F(LogFlagTest, APasswordInTheUriIsRefusedAndNotRepeated) {
  for (const char* flag :
       {"'--log=postgresql://refund:s3cr3t@db.internal:5432/refund'",
        "'--log=postgresql://refund@db.internal/refund?sslmode=require&"
        "password=s3cr3t'"}) {
    const CommandResult refused = Start(flag);
    ExpectOneLine(refused);
    EXPECT_THAT(refused.output,
                AllOf(StartsWith("refund-server: --log: the PostgreSQL URI "
                                 "holds a password"),
                      HasSubstr("PGPASSFILE"), HasSubstr("PGPASSWORD"),
                      Not(HasSubstr("s3cr3t"))));
    EXPECT_TRUE(CwdIsEmpty());
  }
}

TEST_F(LogFlagTest, AUriThatCannotBeReadIsRefused) {
  const CommandResult refused = Start("'--log=postgresql://[bad'");
  ExpectOneLine(refused);
  EXPECT_EQ(refused.output,
            "refund-server: --log: not a valid PostgreSQL URI: no \"]\" "
            "closes the IPv6 address after \"[\"\n");
  EXPECT_TRUE(CwdIsEmpty());
}

// The store's own refusal comes last, in one line naming the spec.
TEST_F(LogFlagTest, ALogThatCannotBeOpenedIsNamedInOneLine) {
  dir_.Write("cwd/garbage.db", std::string(8192, 'x'));
  const CommandResult refused = Start("--log=sqlite:garbage.db");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  ASSERT_THAT(refused.output, EndsWith("\n"));
  const std::string last_line = refused.output.substr(
      refused.output.rfind('\n', refused.output.size() - 2) + 1);
  EXPECT_THAT(
      last_line,
      AllOf(StartsWith("refund-server: decision log sqlite:garbage.db: "),
            HasSubstr("not a database")));
}

// The last line of `output` (which ends with a newline).
std::string LastLine(const std::string& output) {
  return output.substr(output.rfind('\n', output.size() - 2) + 1);
}

// A PostgreSQL log that a replica must not write: a schema from a newer
// build, a role that may not write. Each refused in one last line.
TEST_F(LogFlagTest, APostgresLogOfANewerSchemaIsRefused) {
  testing::TestPostgres& postgres = testing::TestPostgres::Shared();
  absl::StatusOr<std::string> uri = postgres.CreateDatabase("newer");
  ASSERT_TRUE(uri.ok()) << uri.status();
  ASSERT_TRUE(postgres
                  .Execute(*uri,
                           "CREATE TABLE refund_log_schema (id integer "
                           "PRIMARY KEY, version integer NOT NULL); "
                           "INSERT INTO refund_log_schema VALUES (1, 7)")
                  .ok());
  const CommandResult refused = Start(absl::StrCat("'--log=", *uri, "'"));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(LastLine(refused.output),
              AllOf(StartsWith("refund-server: decision log postgresql:"),
                    HasSubstr("schema version 7 is newer than this "
                              "build's 1")));
}

TEST_F(LogFlagTest, APostgresRoleThatMayNotCreateTheLogIsRefused) {
  testing::TestPostgres& postgres = testing::TestPostgres::Shared();
  absl::StatusOr<std::string> uri = postgres.CreateDatabase("roles");
  ASSERT_TRUE(uri.ok()) << uri.status();
  // PostgreSQL 15 gives no one but the owner CREATE on schema public.
  ASSERT_TRUE(postgres.Execute(*uri, "CREATE ROLE refund_app LOGIN").ok());
  const CommandResult refused =
      Start(absl::StrCat("'--log=", *uri, "&user=refund_app'"));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(LastLine(refused.output),
              AllOf(StartsWith("refund-server: decision log postgresql:"),
                    HasSubstr("permission denied for schema public"),
                    HasSubstr("the role needs CREATE on the schema")));
}

}  // namespace
}  // namespace refund::e2e

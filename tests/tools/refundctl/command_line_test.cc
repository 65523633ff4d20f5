// refundctl's one command-line parser (tools/refundctl/command_line.h):
// `--flag value` and `--flag=value`, --help on every command, the version,
// unknown and conflicting flags.
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tools/refundctl/cli_run.h"
#include "tools/refundctl/refundctl.h"

namespace refund {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(CommandLineTest, AFlagTakesItsValueAfterASpaceOrAnEqualsSign) {
  const CliRun spaced = Cli({"test", "--policies", REFUND_POLICIES_DIR});
  EXPECT_EQ(spaced.code, 0) << spaced.err;
  EXPECT_THAT(spaced.out, HasSubstr("policy tests passed"));
  const CliRun joined = Cli({"test", "--policies=" REFUND_POLICIES_DIR});
  EXPECT_EQ(joined.code, 0) << joined.err;
  EXPECT_EQ(spaced.out, joined.out);
  // Not the bundle of ./policies (there is none in the test's directory):
  // the spaced value was read as the flag's.
  const CliRun missing = Cli({"test", "--policies", "/nonexistent-dir"});
  EXPECT_EQ(missing.code, 1);
}

TEST(CommandLineTest, EveryCommandHasHelpThatListsItsFlags) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> commands =
      {
          {"decide", {"--policies", "--server", "--tls_ca", "--token_file"}},
          {"explain", {"--policies", "--decision_id", "--log"}},
          {"suggest", {"--locale", "--decision-id", "--json"}},
          {"test", {"--policies", "--verbose", "--run", "--format"}},
          {"lint", {"--policies"}},
          {"replay",
           {"--log", "--db", "--server", "--candidate", "--refund_id",
            "--shop_id", "--rule_id", "--verdict", "--from", "--to", "--limit",
            "--include_unchanged_decisions"}},
          {"verify", {"--log", "--max-problems", "--checkpoint"}},
          {"checkpoint", {"--server", "--public-key"}},
          {"export", {"--log", "--server", "--refund_id", "--limit"}},
          {"get", {"--server", "DECISION_ID"}},
          {"list",
           {"--server", "--page_size", "--page_token", "--all", "--shop_id"}},
          {"hash-token", {"TOKEN_FILE"}},
          {"rekey", {"--log", "--to-plain", "--batch"}},
          {"migrate", {"--from", "--to", "--log-key-file"}},
      };
  for (const auto& [command, flags] : commands) {
    for (const char* help : {"--help", "-h"}) {
      const CliRun run = Cli({command, help});
      EXPECT_EQ(run.code, 0) << command << " " << help << ": " << run.err;
      EXPECT_THAT(run.out, HasSubstr("refundctl " + command)) << command;
      for (const std::string& flag : flags) {
        EXPECT_THAT(run.out, HasSubstr(flag)) << command << " " << flag;
      }
    }
    EXPECT_EQ(Cli({"help", command}).out, Cli({command, "--help"}).out);
  }
  // The transport flags only where --server is.
  EXPECT_THAT(Cli({"lint", "--help"}).out, Not(HasSubstr("--tls_ca")));
}

TEST(CommandLineTest, RefundctlHelpExitsZeroAndNamesEveryCommand) {
  for (const char* help : {"--help", "-h", "help"}) {
    const CliRun run = Cli({help});
    EXPECT_EQ(run.code, 0) << help;
    EXPECT_THAT(run.out,
                AllOf(HasSubstr("usage: refundctl"), HasSubstr("get     "),
                      HasSubstr("list    --server"),
                      HasSubstr("--flag=value or --flag value")));
  }
  const CliRun bare = Cli({});
  EXPECT_EQ(bare.code, 2);
  EXPECT_THAT(bare.err, HasSubstr("usage: refundctl"));
}

TEST(CommandLineTest, VersionNamesTheProjectVersionAndBuildType) {
  for (const char* version : {"--version", "-v", "version"}) {
    const CliRun run = Cli({version});
    EXPECT_EQ(run.code, 0) << version;
    EXPECT_THAT(run.out, StartsWith("refundctl " REFUND_PROJECT_VERSION " ("))
        << version;
    EXPECT_THAT(run.out, HasSubstr(REFUND_BUILD_TYPE " build)")) << version;
    EXPECT_THAT(run.out, Not(HasSubstr("NDEBUG")));
  }
}

TEST(CommandLineTest, AnUnknownFlagIsAnErrorNamingIt) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"verify", "--db=x.db", "--no-such-flag"},
           {"decide", "--no-such-flag", "value"},
           {"list", "--server", "127.0.0.1:1", "--no-such-flag=3"},
           {"hash-token", "--no-such-flag"}}) {
    const CliRun run = Cli(args);
    EXPECT_EQ(run.code, 2) << args[0];
    EXPECT_THAT(run.err, HasSubstr("unknown flag --no-such-flag")) << args[0];
  }
  const CliRun positional = Cli({"verify", "--db=x.db", "stray"});
  EXPECT_EQ(positional.code, 2);
  EXPECT_THAT(positional.err, HasSubstr("unexpected argument \"stray\""));
}

TEST(CommandLineTest, AFlagWithoutItsValueIsAnError) {
  const CliRun run = Cli({"verify", "--db"});
  EXPECT_EQ(run.code, 2);
  EXPECT_THAT(run.err, HasSubstr("--db"));
}

TEST(CommandLineTest, ConflictingFlagsAreErrorsNamingBoth) {
  struct Case {
    std::vector<std::string> args;
    std::string named;
  };
  for (const Case& c : std::vector<Case>{
           {{"decide", "--policies", "p", "--server", "h:1"},
            "decide: --policies and --server"},
           {{"suggest", "--policies", "p", "--server", "h:1"},
            "suggest: --policies and --server"},
           {{"replay", "--log", "a.db", "--server", "h:1"},
            "replay: --log and --server"},
           {{"verify", "--db", "a.db", "--server", "h:1"},
            "verify: --db and --server"},
           {{"export", "--log", "a.db", "--db", "a.db"},
            "export: --log and --db"},
       }) {
    const CliRun run = Cli(c.args);
    EXPECT_EQ(run.code, 2) << c.named;
    EXPECT_THAT(run.err, HasSubstr(c.named));
  }
}

TEST(CommandLineTest, ASwitchTakesNoValueButAcceptsFalse) {
  const CliRun verbose = Cli({"test", REFUND_POLICIES_DIR, "--verbose"});
  EXPECT_EQ(verbose.code, 0) << verbose.err;
  EXPECT_THAT(verbose.out, HasSubstr("PASS "));
  const CliRun quiet = Cli({"test", REFUND_POLICIES_DIR, "--verbose=false"});
  EXPECT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_THAT(quiet.out, Not(HasSubstr("PASS ")));
}

}  // namespace
}  // namespace refund

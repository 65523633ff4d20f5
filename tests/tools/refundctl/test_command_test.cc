// refundctl test --run REGEX and --format=json, on the shipped bundle.
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "tests/tools/refundctl/cli_run.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/refundctl.h"

namespace refund {
namespace {

using ::testing::HasSubstr;

// The names of the cases --verbose printed as passed.
std::vector<std::string> PassedNames(const std::string& out) {
  std::vector<std::string> names;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (!absl::StartsWith(line, "PASS ")) continue;
    names.emplace_back(line.substr(line.find(": ") + 2));
  }
  return names;
}

TEST(TestCommandTest, RunSelectsTheCasesWhoseNameMatches) {
  const CliRun all = Cli({"test", REFUND_POLICIES_DIR, "--verbose"});
  ASSERT_EQ(all.code, 0) << all.err;
  const size_t total = PassedNames(all.out).size();
  const CliRun some =
      Cli({"test", REFUND_POLICIES_DIR, "--verbose", "--run", "seven-day"});
  ASSERT_EQ(some.code, 0) << some.err;
  const std::vector<std::string> names = PassedNames(some.out);
  ASSERT_FALSE(names.empty());
  EXPECT_LT(names.size(), total);
  for (const std::string& name : names) {
    EXPECT_THAT(name, HasSubstr("seven-day"));
  }
  EXPECT_THAT(some.out, HasSubstr(absl::StrCat(names.size(), "/", names.size(),
                                               " policy tests passed")));

  const CliRun none =
      Cli({"test", REFUND_POLICIES_DIR, "--run", "^no such case$"});
  EXPECT_EQ(none.code, 1);
  EXPECT_THAT(none.err, HasSubstr("matches --run"));
  const CliRun bad = Cli({"test", REFUND_POLICIES_DIR, "--run", "(unclosed"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--run"));
}

TEST(TestCommandTest, JsonFormatListsEveryCase) {
  const CliRun run = Cli(
      {"test", REFUND_POLICIES_DIR, "--format", "json", "--run", "seven-day"});
  ASSERT_EQ(run.code, 0) << run.err;
  google::protobuf::Struct json;
  ASSERT_TRUE(ParseJson(run.out, "stdout", &json).ok()) << run.out;
  const auto& fields = json.fields();
  EXPECT_TRUE(fields.at("passed").bool_value());
  EXPECT_EQ(fields.at("failed_count").number_value(), 0);
  const auto& results = fields.at("results").list_value().values();
  ASSERT_GT(results.size(), 0);
  EXPECT_EQ(fields.at("passed_count").number_value(), results.size());
  for (const google::protobuf::Value& result : results) {
    const auto& one = result.struct_value().fields();
    EXPECT_THAT(one.at("name").string_value(), HasSubstr("seven-day"));
    EXPECT_TRUE(one.at("passed").bool_value());
    EXPECT_FALSE(one.at("file").string_value().empty());
  }
  EXPECT_EQ(Cli({"test", REFUND_POLICIES_DIR, "--format=xml"}).code, 2);
}

}  // namespace
}  // namespace refund

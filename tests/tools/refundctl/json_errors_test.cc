// JSON input mistakes name their line, column and field path
// (tools/refundctl/json_locator.h): a request file, a DecideRequest with a
// bad enum inside, a policy test file.
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_bundle.h"
#include "tests/tools/refundctl/cli_run.h"
#include "tools/refundctl/json_locator.h"
#include "tools/refundctl/refundctl.h"

namespace refund {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(JsonErrorsTest, ASyntaxErrorNamesItsLineAndColumn) {
  testing::TempDir dir;
  dir.Write("request.json",
            "{\n  \"request_id\": \"r1\",\n  \"refund_id\": \"rf\"\n"
            "  \"shop_id\": \"s\"\n}\n");
  const std::string path = dir.path() + "/request.json";
  const CliRun run = Cli({"decide", "--policies", REFUND_POLICIES_DIR, path});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr(path + ":4:3: expected ',' or '}'"));
}

TEST(JsonErrorsTest, ABadEnumInsideADecideRequestNamesThePathAndValue) {
  testing::TempDir dir;
  dir.Write("request.json",
            "{\"request\": {\n  \"request_id\": \"r1\",\n"
            "  \"reason\": \"REASON_NOPE\"\n}}\n");
  const std::string path = dir.path() + "/request.json";
  const CliRun run = Cli({"decide", "--policies", REFUND_POLICIES_DIR, path});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err,
              HasSubstr(path + ":3:13: request.reason: \"REASON_NOPE\" is "
                               "not a value of refund.v1.Reason ("));
  EXPECT_THAT(run.err, HasSubstr("REASON_NO_REASON"));
  EXPECT_THAT(run.err, Not(HasSubstr("Cannot find field")));
}

TEST(JsonErrorsTest, ABadEnumInAPlainRequestNamesTheField) {
  testing::TempDir dir;
  dir.Write("request.json", "{\"request_id\": \"r1\", \"platform\": 7.5e}");
  const std::string path = dir.path() + "/request.json";
  const CliRun syntax =
      Cli({"decide", "--policies", REFUND_POLICIES_DIR, path});
  EXPECT_THAT(syntax.err, HasSubstr(path + ":1:"));
  EXPECT_THAT(syntax.err, HasSubstr("exponent"));

  dir.Write("request.json",
            "{\"request_id\": \"r1\",\n \"evidence\": "
            "[\"EVIDENCE_KIND_PRODUCT_PHOTOS\","
            " \"PHOTOS\"]}");
  const CliRun run = Cli({"decide", "--policies", REFUND_POLICIES_DIR, path});
  EXPECT_THAT(run.err, HasSubstr(path + ":2:"));
  EXPECT_THAT(run.err, HasSubstr("evidence[1]: \"PHOTOS\" is not a value of "
                                 "refund.v1.EvidenceKind"));
}

TEST(JsonErrorsTest, APolicyTestFileMistakeNamesTheFileLineAndField) {
  testing::TempDir dir;
  for (const BundleSourceFile& file : testing::TestBundleFiles()) {
    dir.Write(file.path, file.content);
  }
  dir.Write("tests/a.json",
            "{\"cases\": [\n  {\"name\": \"ok\"},\n  {\"nmae\": \"typo\"}\n]}");
  const CliRun run = Cli({"test", dir.path()});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("a.json:3:12: cases[1].nmae: no such field "
                                 "in refund.v1.PolicyTestCase"));
}

TEST(JsonLocatorTest, ColumnsCountCharactersNotBytes) {
  auto parsed = ParseJsonWithPlaces("{\"title\": \"水蓝色\", \"x\": tru}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("1:23: "));
}

}  // namespace
}  // namespace refund

#include "tools/refundctl/refundctl.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace refund {
namespace {

using ::testing::HasSubstr;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun Refundctl(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunRefundctl(args, out, err);
  return {code, out.str(), err.str()};
}

constexpr char kSevenDayRequest[] = R"({
  "request_id": "req-cli-1", "refund_id": "rf-1", "shop_id": "shop-1",
  "platform": "PLATFORM_DOUYIN", "type": "REQUEST_TYPE_RETURN_AND_REFUND",
  "reason": "REASON_NO_REASON",
  "requested_amount": {"currency": "CNY", "minor_units": "12900"},
  "order": {"order_id": "ord-1", "paid_amount": {"currency": "CNY", "minor_units": "12900"},
            "paid_at": "2026-04-28T01:00:00Z", "shipped_at": "2026-04-29T01:00:00Z",
            "delivered_at": "2026-05-01T04:00:00Z",
            "items": [{"sku": "dress", "quantity": "1",
                       "unit_price": {"currency": "CNY", "minor_units": "12900"}}]},
  "requested_at": "2026-05-03T02:00:00Z"
})";

TEST(RefundctlTest, ShippedPolicyTestsPass) {
  CliRun run = Refundctl({"test", REFUND_POLICIES_DIR});
  EXPECT_EQ(run.code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("policy tests passed"));
}

TEST(RefundctlTest, ShippedBundleIsLintClean) {
  CliRun run = Refundctl({"lint", REFUND_POLICIES_DIR});
  EXPECT_EQ(run.code, 0) << run.out << run.err;
}

TEST(RefundctlTest, DecideInProcessPrintsTheDecisionAsJson) {
  testing::TempDir dir;
  dir.Write("request.json", kSevenDayRequest);
  CliRun run = Refundctl({"decide", "--policies=" REFUND_POLICIES_DIR,
                          dir.path() + "/request.json"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"verdict\": \"VERDICT_APPROVE\""));
  EXPECT_THAT(run.out, HasSubstr("\"request_id\": \"req-cli-1\""));
}

TEST(RefundctlTest, DecideRefusesAnInvalidRequestNamingTheField) {
  testing::TempDir dir;
  std::string request = kSevenDayRequest;
  request.replace(request.find("\"req-cli-1\""), 11, "\"\"");
  dir.Write("request.json", request);
  CliRun run = Refundctl({"decide", "--policies=" REFUND_POLICIES_DIR,
                          dir.path() + "/request.json"});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("request.request_id: required"));
}

// An approved 7-day return, decided at 23:00 local (15:00 UTC) with an
// unreachable buyer and a gift that did not come back: a negotiation whose
// phone call waits for the morning.
constexpr char kNightNegotiation[] = R"({
  "request_id": "req-cli-2", "refund_id": "rf-2", "shop_id": "shop-1",
  "platform": "PLATFORM_TAOBAO", "type": "REQUEST_TYPE_RETURN_AND_REFUND",
  "reason": "REASON_NO_REASON",
  "requested_amount": {"currency": "CNY", "minor_units": "12900"},
  "order": {"order_id": "ord-2", "paid_amount": {"currency": "CNY", "minor_units": "12900"},
            "paid_at": "2026-04-28T01:00:00Z", "shipped_at": "2026-04-29T01:00:00Z",
            "delivered_at": "2026-05-01T04:00:00Z",
            "items": [{"sku": "dress", "quantity": "1",
                       "unit_price": {"currency": "CNY", "minor_units": "12900"}},
                      {"sku": "gift", "quantity": "1", "is_gift": true,
                       "unit_price": {"currency": "CNY", "minor_units": "0"},
                       "gift_value": {"currency": "CNY", "minor_units": "1500"}}]},
  "return_shipment": {"tracking_number": "YT1", "shipped_at": "2026-05-04T01:00:00Z",
                      "received_at": "2026-05-06T03:00:00Z"},
  "inspection": {"inspected": true, "received_items": [{"sku": "dress", "quantity": "1"}]},
  "flags": {"buyer_unreachable": true},
  "applied_at": "2026-05-03T02:00:00Z",
  "requested_at": "2026-05-06T15:00:00Z"
})";

TEST(RefundctlTest, SuggestPrintsTheActionsInOrderForAnAgent) {
  testing::TempDir dir;
  dir.Write("request.json", kNightNegotiation);
  CliRun run = Refundctl({"suggest", "--policies=" REFUND_POLICIES_DIR,
                          "--locale=en", dir.path() + "/request.json"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("NEGOTIATE  refund ¥114.00  case rf-2"));
  EXPECT_THAT(run.out,
              HasSubstr("respond by 2026-05-07 23:00 (Asia/Shanghai)"));
  EXPECT_THAT(run.out, HasSubstr("dry run: not stored; scripts in en"));
  EXPECT_THAT(run.out, HasSubstr("1. CONTACT_BY_MESSAGE_FIRST  [message]"));
  EXPECT_THAT(run.out, HasSubstr("KEEP_TRYING_CONTACT  [phone]  not before "
                                 "2026-05-07 08:00"));
  EXPECT_THAT(run.out, HasSubstr("refund of ¥114.00 (you asked for ¥129.00)"));
  EXPECT_THAT(run.out, HasSubstr("  - PHONE_AT_NIGHT: "));
  EXPECT_THAT(run.out, HasSubstr("\nRisks:\n"));
}

TEST(RefundctlTest, SuggestSaysWhenTheLocaleFellBack) {
  testing::TempDir dir;
  dir.Write("request.json", kNightNegotiation);
  CliRun run = Refundctl({"suggest", "--policies=" REFUND_POLICIES_DIR,
                          "--locale=fr", dir.path() + "/request.json"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("scripts in zh-CN (the requested locale is "
                                 "not in the bundle)"));
  EXPECT_THAT(run.out, HasSubstr("退款¥114.00"));
}

TEST(RefundctlTest, SuggestJsonIsTheResponseMessage) {
  testing::TempDir dir;
  dir.Write("request.json", std::string(R"({"locale": "en", "request": )") +
                                kNightNegotiation + "}");
  CliRun run = Refundctl({"suggest", "--policies=" REFUND_POLICIES_DIR,
                          "--json", dir.path() + "/request.json"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"dry_run\": true"));
  EXPECT_THAT(run.out, HasSubstr("\"locale\": \"en\""));
  EXPECT_THAT(run.out, HasSubstr("\"not_before\": \"2026-05-07T00:00:00Z\""));
}

TEST(RefundctlTest, SuggestForAStoredDecisionNeedsTheServer) {
  CliRun run = Refundctl({"suggest", "--decision-id=d-1"});
  EXPECT_EQ(run.code, 2);
  EXPECT_THAT(run.err, HasSubstr("--decision-id needs --server"));
}

TEST(RefundctlTest, ExplainShowsEachRulesOutcome) {
  testing::TempDir dir;
  dir.Write("request.json", kSevenDayRequest);
  CliRun run = Refundctl({"explain", "--policies=" REFUND_POLICIES_DIR,
                          dir.path() + "/request.json"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("rules, in evaluation order"));
  EXPECT_THAT(run.out, HasSubstr(": true"));
  EXPECT_THAT(run.out, HasSubstr(": false"));
  EXPECT_THAT(run.out, HasSubstr("=>"));
}

TEST(RefundctlTest, FailingPolicyTestExitsNonZero) {
  testing::TempDir dir;
  // A copy of the shipped bundle with one test that expects the wrong verdict.
  std::filesystem::copy(REFUND_POLICIES_DIR, dir.path(),
                        std::filesystem::copy_options::recursive);
  dir.Write("tests/zz_wrong.json",
            std::string(R"({"cases": [{"name": "wrong",
    "request": )") +
                kSevenDayRequest +
                R"(, "expect": {"verdict": "VERDICT_REJECT"}}]})");
  CliRun run = Refundctl({"test", dir.path()});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.out, HasSubstr("FAIL zz_wrong.json: wrong"));
  EXPECT_THAT(run.out, HasSubstr("want VERDICT_REJECT, got VERDICT_APPROVE"));
}

TEST(RefundctlTest, BrokenBundleReportsFileLineColumn) {
  testing::TempDir dir;
  dir.Write("bundle.textproto",
            "name: \"x\"\nrules { id: \"a\" when: \"request.nope\" }\n");
  CliRun run = Refundctl({"lint", dir.path()});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("bundle.textproto:2:"));
}

TEST(RefundctlTest, UnknownCommandIsUsageError) {
  EXPECT_EQ(Refundctl({"frobnicate"}).code, 2);
  EXPECT_EQ(Refundctl({}).code, 2);
}

}  // namespace
}  // namespace refund

namespace refund {
namespace {

TEST(RefundctlFlagsTest, PoliciesFlagSelectsTheBundleForTestAndLint) {
  testing::TempDir dir;
  dir.Write("bundle.textproto",
            "name: \"x\"\nrules { id: \"a\" when: \"request.nope\" }\n");
  std::ostringstream out, err;
  EXPECT_EQ(RunRefundctl({"lint", "--policies=" + dir.path()}, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("bundle.textproto:2:"));
}

TEST(RefundctlFlagsTest, UnknownFlagIsAUsageError) {
  std::ostringstream out, err;
  EXPECT_EQ(RunRefundctl({"test", "--polices=/tmp"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("unknown flag --polices"));
}

TEST(RefundctlFlagsTest, TransportFlagsOnlyWithServerCommands) {
  std::ostringstream out, err;
  EXPECT_EQ(RunRefundctl({"lint", "--tls_ca=ca.crt"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("unknown flag --tls_ca"));
  EXPECT_THAT(err.str(), HasSubstr("--token_file=FILE"));
}

TEST(RefundctlFlagsTest, TransportFlagsThatDoNotGoTogetherAreUsageErrors) {
  testing::TempDir dir;
  dir.Write("request.json", kSevenDayRequest);
  CliRun run =
      Refundctl({"decide", "--server=127.0.0.1:1", "--tls_cert=client.crt",
                 dir.path() + "/request.json"});
  EXPECT_EQ(run.code, 2);
  EXPECT_THAT(run.err, HasSubstr("--tls_cert: given without --tls_key"));
  run = Refundctl({"verify", "--server=127.0.0.1:1",
                   "--tls_ca=" + dir.path() + "/missing.crt"});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("--tls_ca: cannot read"));
}

}  // namespace
}  // namespace refund

namespace refund {
namespace {

TEST(RefundctlJsonTest, ZeroAmountIsPrinted) {
  testing::TempDir dir;
  dir.Write("request.json", R"({"request_id": "r0", "refund_id": "rf0",
    "shop_id": "s1", "platform": "PLATFORM_DOUYIN",
    "type": "REQUEST_TYPE_REFUND_ONLY", "reason": "REASON_OTHER",
    "requested_at": "2026-05-03T10:00:00+08:00"})");
  std::ostringstream out, err;
  EXPECT_EQ(RunRefundctl({"decide", "--policies=" REFUND_POLICIES_DIR,
                          dir.path() + "/request.json"},
                         out, err),
            0)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("\"minor_units\": \"0\""));
}

}  // namespace
}  // namespace refund

namespace refund {
namespace {

TEST(RefundctlHashTokenTest, PrintsTheSha256OfTheTokenWithoutItsLineEnd) {
  refund::testing::TempDir dir;
  const std::string token(64, '7');
  dir.Write("token", token + "\n");
  std::ostringstream out, err;
  EXPECT_EQ(RunRefundctl({"hash-token", dir.path() + "/token"}, out, err), 0)
      << err.str();
  // printf '%s' 777...7 (64 sevens) | sha256sum
  EXPECT_EQ(out.str(),
            "c0b6304bd6ce9b3e65150392c91a3aa76803a59c29e46f9fb2b9aac235e58386"
            "\n");
}

TEST(RefundctlHashTokenTest, RefusesATokenTooShortToBeASecret) {
  refund::testing::TempDir dir;
  dir.Write("token", "password\n");
  std::ostringstream out, err;
  EXPECT_EQ(RunRefundctl({"hash-token", dir.path() + "/token"}, out, err), 1);
  EXPECT_THAT(err.str(), ::testing::HasSubstr("at least 32"));
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace refund

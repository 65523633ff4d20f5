// End-to-end observability: the Prometheus endpoint (--metrics_listen)
// scraped and parsed after real calls, and the log lines (--log_file, text
// and JSON) of calls, reloads and the start-up.
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "server/access/bearer_token.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/shell_command.h"
#include "tests/e2e/small_bundle.h"
#include "tests/testing/prometheus_text.h"
#include "tests/testing/temp_dir.h"

namespace refund::e2e {
namespace {

using ::refund::testing::HttpGet;
using ::refund::testing::ParsePrometheusText;
using ::refund::testing::PrometheusScrape;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kDecide[] = "refund.v1.RefundDecisionService/Decide";

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// The value of ` key="value"` in a text log line; empty when absent.
std::string TextField(const std::string& line, const std::string& key) {
  const std::string start = absl::StrCat(" ", key, "=\"");
  const size_t at = line.find(start);
  if (at == std::string::npos) return "";
  const size_t from = at + start.size();
  return line.substr(from, line.find('"', from) - from);
}

// The server with its log lines in a file, and more flags.
class LoggedServerTest : public SmallBundleTest {
 protected:
  ServerProcessOptions Options() const override {
    ServerProcessOptions options;
    // The server's default level (the tests' servers run at warn).
    options.extra_args = {"--log_level=info",
                          absl::StrCat("--log_file=", log_file())};
    for (const std::string& flag : ExtraFlags()) {
      options.extra_args.push_back(flag);
    }
    return options;
  }
  virtual std::vector<std::string> ExtraFlags() const { return {}; }

  std::string log_file() const {
    return (std::filesystem::path(dir_.path()) / "server.log").string();
  }
  // The log's lines so far. The logger writes from its own thread: a line
  // may lag its call by a moment, so tests that read call lines stop the
  // server first (every queued line is written before it exits).
  std::vector<std::string> LogLines() const {
    return Lines(ReadWholeFile(log_file()));
  }
  std::string StartLine() const {
    for (int attempt = 0; attempt < 200; ++attempt) {
      for (const std::string& line : LogLines()) {
        if (absl::StrContains(line, " info start ") ||
            absl::StrContains(line, "\"event\":\"start\"")) {
          return line;
        }
      }
      usleep(50 * 1000);
    }
    return "";
  }
};

class MetricsTest : public LoggedServerTest {
 protected:
  std::vector<std::string> ExtraFlags() const override {
    return {"--metrics_listen=127.0.0.1:0"};
  }
  // The metrics port, from the start-up line's `metrics="127.0.0.1:PORT"`.
  int MetricsPort() const {
    const std::string at = TextField(StartLine(), "metrics");
    int port = 0;
    const size_t colon = at.rfind(':');
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(at.substr(colon + 1), &port)) {
      return 0;
    }
    return port;
  }
  PrometheusScrape Scrape() const {
    const int port = MetricsPort();
    EXPECT_GT(port, 0);
    absl::StatusOr<std::string> body = HttpGet("127.0.0.1", port, "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    if (!body.ok()) return {};
    absl::StatusOr<PrometheusScrape> scrape = ParsePrometheusText(*body);
    EXPECT_TRUE(scrape.ok()) << scrape.status();
    return scrape.ok() ? *scrape : PrometheusScrape{};
  }
};

TEST_F(MetricsTest, CountsCallsDecisionsAndTheLogWriter) {
  std::map<std::string, int> verdicts;
  std::set<std::string> rules;
  for (int i = 0; i < 3; ++i) {
    const v1::Decision decision =
        DecideOk(SevenDayReturn(absl::StrCat("metrics-", i)));
    ++verdicts[absl::AsciiStrToLower(
        v1::Verdict_Name(decision.verdict()).substr(strlen("VERDICT_")))];
    for (const v1::MatchedRule& rule : decision.matched_rules()) {
      rules.insert(rule.rule_id());
    }
  }
  {
    v1::Decision decision;
    EXPECT_EQ(Call(v1::DecideRequest(), &decision).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  ASSERT_TRUE(CheckHealth(server_->channel()).ok());
  ActiveBundle();

  const PrometheusScrape scrape = Scrape();
  std::map<std::string, std::string> types = scrape.types;
  EXPECT_EQ(types["grpc_server_call_started_total"], "counter");
  EXPECT_EQ(types["grpc_server_call_duration_seconds"], "histogram");
  EXPECT_EQ(types["refund_bundle_info"], "gauge");
  EXPECT_EQ(
      scrape.Sum("grpc_server_call_started_total", {{"grpc_method", kDecide}}),
      4);
  EXPECT_EQ(scrape.Sum("grpc_server_call_duration_seconds_count",
                       {{"grpc_method", kDecide}, {"grpc_status", "OK"}}),
            3);
  EXPECT_EQ(scrape.Sum("grpc_server_call_duration_seconds_count",
                       {{"grpc_method", kDecide},
                        {"grpc_status", "INVALID_ARGUMENT"}}),
            1);
  EXPECT_EQ(scrape.Sum("grpc_server_call_duration_seconds_count",
                       {{"grpc_method", "grpc.health.v1.Health/Check"},
                        {"grpc_status", "OK"}}),
            1);
  EXPECT_EQ(scrape.Sum("grpc_server_call_duration_seconds_count",
                       {{"grpc_method",
                         "refund.v1.RefundDecisionService/"
                         "GetPolicyBundle"},
                        {"grpc_status", "OK"}}),
            1);
  EXPECT_GT(scrape.Sum(
                "grpc_server_call_sent_total_compressed_message_size_bytes_sum",
                {{"grpc_method", kDecide}, {"grpc_status", "OK"}}),
            0);
  EXPECT_GT(scrape.Sum(
                "grpc_server_call_rcvd_total_compressed_message_size_bytes_sum",
                {{"grpc_method", kDecide}, {"grpc_status", "OK"}}),
            0);
  EXPECT_EQ(scrape.Sum("refund_decisions_total"), 3);
  for (const auto& [verdict, count] : verdicts) {
    EXPECT_EQ(scrape.Sum("refund_decisions_total",
                         {{"verdict", verdict}, {"platform", "douyin"}}),
              count)
        << verdict;
  }
  for (const std::string& rule : rules) {
    EXPECT_GE(scrape.Sum("refund_rule_hits_total", {{"rule_id", rule}}), 1)
        << rule;
  }
  EXPECT_EQ(scrape.Sum("refund_bundle_info", {{"bundle_name", "e2e-small"},
                                              {"version", server_->version()}}),
            1);
  EXPECT_EQ(scrape.Sum("refund_policy_reloads_total",
                       {{"result", "ok"}, {"source", "start"}}),
            1);
  EXPECT_GT(scrape.Sum("refund_policy_last_reload_success_timestamp_seconds"),
            0);
  // The bundle and the three decisions were committed in batches.
  EXPECT_GE(scrape.Sum("refund_decision_log_batch_size_sum"), 4);
  EXPECT_GE(scrape.Sum("refund_decision_log_commit_duration_seconds_count"), 1);
  EXPECT_EQ(scrape.Count("refund_decision_log_queue_depth"), 1);
  EXPECT_EQ(scrape.Count("refund_decision_log_store_errors_total"), 3);
  EXPECT_EQ(scrape.Count("refund_decision_log_wal_bytes"), 1);
}

TEST_F(MetricsTest, CountsReloadsByTheirSource) {
  grpc::ClientContext context;
  v1::PolicyBundleInfo info;
  ASSERT_TRUE(
      stub_->ReloadPolicies(&context, v1::ReloadPoliciesRequest(), &info).ok());
  const PrometheusScrape scrape = Scrape();
  EXPECT_EQ(scrape.Sum("refund_policy_reloads_total",
                       {{"result", "ok"}, {"source", "rpc"}}),
            1);
  EXPECT_EQ(scrape.Sum("refund_policy_reloads_total", {{"result", "refused"}}),
            0);
}

TEST_F(MetricsTest, CountsAndLogsSignalAndRefusedReloads) {
  ASSERT_TRUE(server_->Signal(SIGHUP).ok());
  // The SIGHUP reload runs on the signal thread: wait for its count.
  PrometheusScrape scrape;
  for (int attempt = 0; attempt < 100; ++attempt) {
    scrape = Scrape();
    if (scrape.Sum("refund_policy_reloads_total",
                   {{"result", "ok"}, {"source", "signal"}}) > 0) {
      break;
    }
    usleep(50 * 1000);
  }
  EXPECT_EQ(scrape.Sum("refund_policy_reloads_total",
                       {{"result", "ok"}, {"source", "signal"}}),
            1);
  dir_.Write("policies/rules/rules.textproto", kBrokenRulesFile);
  {
    grpc::ClientContext context;
    v1::PolicyBundleInfo info;
    EXPECT_EQ(
        stub_->ReloadPolicies(&context, v1::ReloadPoliciesRequest(), &info)
            .error_code(),
        grpc::StatusCode::FAILED_PRECONDITION);
  }
  scrape = Scrape();
  EXPECT_EQ(scrape.Sum("refund_policy_reloads_total",
                       {{"result", "refused"}, {"source", "rpc"}}),
            1);
  // The bundle that keeps serving is still the one reported.
  EXPECT_EQ(scrape.Sum("refund_bundle_info", {{"version", server_->version()}}),
            1);
  const std::string version = server_->version();
  StopServer();
  int signal_lines = 0, refused_lines = 0;
  for (const std::string& line : LogLines()) {
    if (absl::StrContains(line, " info reload ") &&
        TextField(line, "source") == "signal") {
      ++signal_lines;
      EXPECT_EQ(TextField(line, "bundle_version"), version);
    }
    if (absl::StrContains(line, " warning reload ")) {
      ++refused_lines;
      EXPECT_EQ(TextField(line, "result"), "refused");
      EXPECT_EQ(TextField(line, "source"), "rpc");
      EXPECT_EQ(TextField(line, "serving_version"), version);
      EXPECT_THAT(TextField(line, "issues"), HasSubstr("no_such_field"));
    }
  }
  EXPECT_EQ(signal_lines, 1);
  EXPECT_EQ(refused_lines, 1);
}

TEST_F(MetricsTest, CountsDecisionsByShopOnlyWhenAsked) {
  DecideOk(SevenDayReturn("no-shop-label"));
  EXPECT_EQ(Scrape().Count("refund_shop_decisions_total"), 0);
}

class ShopLabelTest : public MetricsTest {
 protected:
  std::vector<std::string> ExtraFlags() const override {
    return {"--metrics_listen=127.0.0.1:0", "--metrics_shop_label"};
  }
};

TEST_F(ShopLabelTest, CountsDecisionsByShop) {
  DecideOk(SevenDayReturn("shop-label"));
  EXPECT_EQ(
      Scrape().Sum("refund_shop_decisions_total", {{"shop_id", "shop-1"}}), 1);
}

constexpr char kOmsToken[] = "oms-obs-4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e";

// With an access policy and no --access_log: refused calls counted, and
// logged through the logger.
class RefusedCallsTest : public MetricsTest {
 protected:
  std::vector<std::string> ExtraFlags() const override {
    const std::string policy =
        (std::filesystem::path(dir_.path()) / "access.textproto").string();
    std::ofstream(policy) << absl::StrCat(
        "principals {\n  name: \"oms\"\n  roles: ROLE_OMS\n  all_shops: "
        "true\n  token_sha256: \"",
        server::BearerTokenSha256Hex(kOmsToken), "\"\n}\n");
    return {"--metrics_listen=127.0.0.1:0",
            absl::StrCat("--access_policy=", policy)};
  }
};

TEST_F(RefusedCallsTest, CountsAndLogsRefusedCalls) {
  {
    v1::Decision decision;
    EXPECT_EQ(Call(Decide(SevenDayReturn("no-token")), &decision).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kOmsToken));
    v1::PolicyBundleInfo info;
    EXPECT_EQ(
        stub_->GetPolicyBundle(&context, v1::GetPolicyBundleRequest(), &info)
            .error_code(),
        grpc::StatusCode::PERMISSION_DENIED);
  }
  const PrometheusScrape scrape = Scrape();
  EXPECT_EQ(
      scrape.Sum("refund_refused_calls_total",
                 {{"grpc_method", kDecide}, {"reason", "unauthenticated"}}),
      1);
  EXPECT_EQ(scrape.Sum("refund_refused_calls_total",
                       {{"grpc_method",
                         "refund.v1.RefundDecisionService/GetPolicyBundle"},
                        {"reason", "permission_denied"}}),
            1);
  EXPECT_EQ(scrape.Sum(
                "grpc_server_call_duration_seconds_count",
                {{"grpc_method", kDecide}, {"grpc_status", "UNAUTHENTICATED"}}),
            1);
  StopServer();
  int refused = 0;
  for (const std::string& line : LogLines()) {
    if (absl::StrContains(line, " warning refused ")) {
      ++refused;
      EXPECT_THAT(line, HasSubstr("principal="));
      EXPECT_THAT(line, HasSubstr("reason="));
    }
  }
  EXPECT_EQ(refused, 2);
}

// The listening sockets the process `pid` holds (TCP, IPv4 and IPv6).
int ListeningSockets(pid_t pid) {
  std::set<std::string> inodes;
  const std::string fd_dir = absl::StrCat("/proc/", pid, "/fd");
  if (DIR* dir = opendir(fd_dir.c_str())) {
    while (dirent* entry = readdir(dir)) {
      char target[256] = {};
      const std::string link = absl::StrCat(fd_dir, "/", entry->d_name);
      const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
      if (n > 0 && absl::StartsWith(target, "socket:[")) {
        std::string inode(target + 8, static_cast<size_t>(n) - 9);
        inodes.insert(inode);
      }
    }
    closedir(dir);
  }
  int listening = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    for (const std::string& line : Lines(ReadWholeFile(table))) {
      std::vector<std::string> columns =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      // st 0A: LISTEN; the inode is the tenth column.
      if (columns.size() > 9 && columns[3] == "0A" &&
          inodes.count(columns[9]) > 0) {
        ++listening;
      }
    }
  }
  return listening;
}

TEST_F(MetricsTest, OpensOneMorePort) {
  EXPECT_EQ(ListeningSockets(server_->pid()), 2);
}

TEST_F(LoggedServerTest, MetricsAreOffByDefault) {
  EXPECT_EQ(TextField(StartLine(), "metrics"), "off");
  EXPECT_EQ(ListeningSockets(server_->pid()), 1);
}

TEST_F(LoggedServerTest, WritesTheStartUpLine) {
  const std::string line = StartLine();
  EXPECT_THAT(line, HasSubstr(" info start version=\""));
  EXPECT_THAT(line, HasSubstr("build_type=\""));
  EXPECT_EQ(TextField(line, "listen"), server_->address());
  EXPECT_EQ(TextField(line, "bundle_name"), "e2e-small");
  EXPECT_EQ(TextField(line, "bundle_version"), server_->version());
  EXPECT_EQ(TextField(line, "store"), db_path().string());
  // UTC, RFC 3339 with milliseconds: 2026-12-07T20:56:14.123Z.
  ASSERT_GE(line.size(), 24u);
  EXPECT_EQ(line[10], 'T');
  EXPECT_EQ(line[19], '.');
  EXPECT_EQ(line[23], 'Z');
}

TEST_F(LoggedServerTest, WritesALinePerCallAndReload) {
  v1::RefundRequest request = SevenDayReturn("logged-1");
  request.mutable_buyer()->set_buyer_id("buyer-secret-42");
  const v1::Decision decision = DecideOk(request);
  {
    v1::Decision unused;
    EXPECT_EQ(Call(v1::DecideRequest(), &unused).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext context;
    v1::PolicyBundleInfo info;
    ASSERT_TRUE(
        stub_->ReloadPolicies(&context, v1::ReloadPoliciesRequest(), &info)
            .ok());
  }
  const std::string version = server_->version();
  StopServer();
  const std::vector<std::string> lines = LogLines();
  const std::string all = ReadWholeFile(log_file());
  EXPECT_THAT(all, ::testing::Not(HasSubstr("buyer-secret-42")));

  int ok_lines = 0, error_lines = 0, reload_lines = 0;
  for (const std::string& line : lines) {
    if (TextField(line, "method") == kDecide &&
        TextField(line, "status") == "OK") {
      ++ok_lines;
      EXPECT_THAT(line, HasSubstr(" info call "));
      EXPECT_EQ(TextField(line, "request_id"), "logged-1");
      EXPECT_EQ(TextField(line, "decision_id"), decision.decision_id());
      EXPECT_EQ(TextField(line, "verdict"),
                v1::Verdict_Name(decision.verdict()));
      EXPECT_EQ(TextField(line, "bundle_version"), version);
      EXPECT_THAT(line, HasSubstr(" latency_ms="));
    }
    if (TextField(line, "method") == kDecide &&
        TextField(line, "status") == "INVALID_ARGUMENT") {
      ++error_lines;
      EXPECT_THAT(line, HasSubstr(" warning call "));
      EXPECT_THAT(TextField(line, "message"), HasSubstr("request"));
    }
    if (absl::StrContains(line, " info reload ")) {
      ++reload_lines;
      EXPECT_EQ(TextField(line, "result"), "ok");
      EXPECT_EQ(TextField(line, "source"), "rpc");
      EXPECT_EQ(TextField(line, "bundle_version"), version);
    }
  }
  EXPECT_EQ(ok_lines, 1);
  EXPECT_EQ(error_lines, 1);
  EXPECT_EQ(reload_lines, 1);
}

class JsonLogTest : public LoggedServerTest {
 protected:
  std::vector<std::string> ExtraFlags() const override {
    return {"--log_format=json"};
  }
};

TEST_F(JsonLogTest, WritesOneObjectPerLine) {
  // A request id with characters JSON must escape.
  const v1::Decision decision = DecideOk(SevenDayReturn("json-\"1\"\\x"));
  StopServer();
  int calls = 0;
  bool started = false;
  for (const std::string& line : LogLines()) {
    google::protobuf::Struct object;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &object).ok())
        << line;
    const auto& fields = object.fields();
    ASSERT_TRUE(fields.count("time") && fields.count("level") &&
                fields.count("event"))
        << line;
    EXPECT_THAT(fields.at("time").string_value(), ::testing::EndsWith("Z"));
    if (fields.at("event").string_value() == "start") started = true;
    if (fields.at("event").string_value() == "call" &&
        fields.at("method").string_value() == kDecide) {
      ++calls;
      EXPECT_EQ(fields.at("level").string_value(), "info");
      EXPECT_EQ(fields.at("status").string_value(), "OK");
      EXPECT_EQ(fields.at("request_id").string_value(), "json-\"1\"\\x");
      EXPECT_EQ(fields.at("decision_id").string_value(),
                decision.decision_id());
      EXPECT_GE(fields.at("latency_ms").number_value(), 0);
    }
  }
  EXPECT_TRUE(started);
  EXPECT_EQ(calls, 1);
}

class QuietLogTest : public LoggedServerTest {
 protected:
  std::vector<std::string> ExtraFlags() const override {
    return {"--log_level=warn"};
  }
};

TEST_F(QuietLogTest, WarnLevelLogsOnlyFailedCalls) {
  DecideOk(SevenDayReturn("quiet-1"));
  v1::Decision unused;
  EXPECT_EQ(Call(v1::DecideRequest(), &unused).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  StopServer();
  int calls = 0;
  for (const std::string& line : LogLines()) {
    if (absl::StrContains(line, " call ")) {
      ++calls;
      EXPECT_EQ(TextField(line, "status"), "INVALID_ARGUMENT");
    }
  }
  EXPECT_EQ(calls, 1);
}

// A port some other socket listens on.
int TakenPort(int& fd) {
  fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd, 1) != 0) {
    return 0;
  }
  socklen_t size = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  return ntohs(address.sin_port);
}

class MetricsFlagTest : public ::testing::Test {
 protected:
  CommandResult Run(const std::string& metrics_listen) {
    dir_.Write("policies/bundle.textproto", kBundleFile);
    dir_.Write("policies/rules/rules.textproto", kRulesFile);
    return RunCommand(absl::StrCat(
        REFUND_SERVER_BINARY, " --listen=127.0.0.1:0 --policies=", dir_.path(),
        "/policies --db=", dir_.path(), "/decisions.db --metrics_listen='",
        metrics_listen, "' 2>&1"));
  }
  refund::testing::TempDir dir_;
};

TEST_F(MetricsFlagTest, RefusesAnAddressWithoutAPort) {
  const CommandResult result = Run("nonsense");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output,
              HasSubstr("refund-server: --metrics_listen: nonsense is not "
                        "HOST:PORT\n"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/decisions.db"));
}

TEST_F(MetricsFlagTest, RefusesATakenPortInOneLine) {
  int fd = -1;
  const int port = TakenPort(fd);
  ASSERT_GT(port, 0);
  const CommandResult result = Run(absl::StrCat("127.0.0.1:", port));
  close(fd);
  EXPECT_NE(result.exit_code, 0);
  int mentions = 0;
  for (const std::string& line : Lines(result.output)) {
    if (absl::StrContains(line, "--metrics_listen")) {
      ++mentions;
      EXPECT_THAT(line, StartsWith(absl::StrCat(
                            "refund-server: --metrics_listen: cannot listen "
                            "on 127.0.0.1:",
                            port)));
    }
  }
  EXPECT_EQ(mentions, 1) << result.output;
}

}  // namespace
}  // namespace refund::e2e

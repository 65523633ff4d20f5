// refund-bench against the real refund-server (started as a child process,
// shipped policies, a temporary database) and against the echo service:
// briefly, asserting only that calls complete without errors. No timing
// thresholds: the numbers are for tools/bench/run_server_bench.sh.
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_certificates.h"
#include "tools/bench/audit_flood.h"
#include "tools/bench/echo_service.h"
#include "tools/bench/load_generator.h"
#include "tools/bench/request_mix.h"

namespace refund::bench {
namespace {

LoadOptions BriefLoad(const std::string& address, Target target) {
  auto mix = ReadRequestMix(REFUND_POLICIES_DIR "/tests");
  EXPECT_TRUE(mix.ok()) << mix.status();
  LoadOptions options;
  options.server.address = address;
  options.target = target;
  options.concurrency = 8;
  options.channels = 2;
  options.duration = absl::Milliseconds(1500);
  options.warmup = absl::Milliseconds(300);
  if (mix.ok()) options.mix = *std::move(mix);
  return options;
}

void ExpectCleanRun(const LoadOptions& options) {
  absl::StatusOr<LoadReport> report = RunLoad(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GT(report->ok, 0) << report->Format();
  EXPECT_EQ(report->error_count(), 0) << report->Format();
  EXPECT_EQ(report->latencies_ns.size(), static_cast<size_t>(report->calls()));
  EXPECT_GT(report->response_bytes, 0);
}

TEST(RefundBenchSmokeTest, ClosedAndOpenLoopAgainstTheRefundServer) {
  testing::TempDir dir;
  auto server = e2e::ServerProcess::Start(
      REFUND_SERVER_BINARY, REFUND_POLICIES_DIR, dir.path() + "/decisions.db");
  ASSERT_TRUE(server.ok()) << server.status();
  LoadOptions closed = BriefLoad((*server)->address(), Target::kRefund);
  ExpectCleanRun(closed);
  LoadOptions open = closed;
  open.rate = 200;
  ExpectCleanRun(open);
}

TEST(RefundBenchSmokeTest, MutualTlsWithTheAuditFlood) {
  testing::TempDir dir;
  absl::StatusOr<testing::TestPki> pki =
      testing::TestPki::Create(dir.path() + "/pki");
  ASSERT_TRUE(pki.ok()) << pki.status();
  auto server_files = pki->IssueServer("server");
  auto client_files = pki->IssueClient("bench", "spiffe://refund.test/bench");
  ASSERT_TRUE(server_files.ok() && client_files.ok());
  e2e::ServerProcessOptions server_options;
  server_options.extra_args = {"--tls_cert=" + server_files->cert,
                               "--tls_key=" + server_files->key,
                               "--tls_client_ca=" + pki->ca_cert()};
  auto server =
      e2e::ServerProcess::Start(REFUND_SERVER_BINARY, REFUND_POLICIES_DIR,
                                dir.path() + "/decisions.db", server_options);
  ASSERT_TRUE(server.ok()) << server.status();
  LoadOptions load = BriefLoad((*server)->address(), Target::kRefund);
  load.server.tls_ca = pki->ca_cert();
  load.server.tls_cert = client_files->cert;
  load.server.tls_key = client_files->key;
  AuditFloodOptions flood_options;
  flood_options.server = load.server;
  flood_options.verifies = 1;
  auto flood = AuditFlood::Start(flood_options);
  ASSERT_TRUE(flood.ok()) << flood.status();
  ExpectCleanRun(load);
  const AuditFloodReport flooded = (*flood)->Stop();
  EXPECT_GT(flooded.verifies_ok, 0) << flooded.Format();
  EXPECT_EQ(flooded.verifies_failed, 0) << flooded.Format();
}

TEST(RefundBenchSmokeTest, ClosedLoopAgainstTheEchoService) {
  EchoDecisionService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ExpectCleanRun(BriefLoad("127.0.0.1:" + std::to_string(port), Target::kEcho));
  server->Shutdown();
}

TEST(RefundBenchSmokeTest, RefusesBadOptions) {
  LoadOptions options = BriefLoad("127.0.0.1:1", Target::kRefund);
  options.mix.clear();
  EXPECT_FALSE(RunLoad(options).ok());
  options = BriefLoad("127.0.0.1:1", Target::kRefund);
  options.warmup = options.duration;
  EXPECT_FALSE(RunLoad(options).ok());
}

TEST(LoadReportTest, PercentilesAreNearestRank) {
  LoadReport report;
  for (int i = 1; i <= 1000; ++i) report.latencies_ns.push_back(i);
  EXPECT_EQ(report.Percentile(0.5), 500);
  EXPECT_EQ(report.Percentile(0.99), 990);
  EXPECT_EQ(report.Percentile(0.999), 999);
  EXPECT_EQ(report.Percentile(1.0), 1000);
  EXPECT_EQ(LoadReport().Percentile(0.5), 0);
  report.ok = 990;
  report.errors[14] = 10;
  report.seconds = 2;
  EXPECT_EQ(report.calls(), 1000);
  EXPECT_DOUBLE_EQ(report.qps(), 500);
  EXPECT_NE(report.Format().find("UNAVAILABLE=10"), std::string::npos);
}

}  // namespace
}  // namespace refund::bench

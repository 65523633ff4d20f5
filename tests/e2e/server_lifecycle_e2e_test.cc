// End-to-end: the server's life: health, a broken bundle refused at startup, a
// restart on the same database, the in-memory log, health following a
// decision log that can no longer record decisions.
#include <filesystem>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/small_bundle.h"
#include "tests/testing/server_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::e2e {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

TEST_F(SmallBundleTest, HealthIsServing) {
  absl::StatusOr<int> health = CheckHealth(server_->channel());
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, 1);  // SERVING
}

TEST_F(SmallBundleTest, DeletedLogMakesDecideUnavailableAndHealthNotServing) {
  DecideOk(SevenDayReturn("before-delete"));
  // The log's directory removed under the running server: SQLite would go on
  // writing to the deleted file, and a restart would find none of it.
  std::filesystem::remove_all(db_path().parent_path());

  v1::Decision decision;
  const grpc::Status status =
      Call(Decide(SevenDayReturn("after-delete")), &decision);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("moved or deleted"));

  // Health follows the log within a few polls, so that a load balancer
  // stops sending this replica decisions.
  absl::StatusOr<int> health = CheckHealth(server_->channel());
  for (int i = 0; i < 100 && health.ok() && *health != 2; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    health = CheckHealth(server_->channel());
  }
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, 2);  // NOT_SERVING
}

TEST(ServerStartupTest, RefusesBrokenBundleAtStartup) {
  refund::testing::TempDir dir;
  dir.Write("policies/bundle.textproto", kBundleFile);
  dir.Write("policies/rules/broken.textproto", kBrokenRulesFile);
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      StartRefundServer(dir.path() + "/policies", dir.path() + "/decisions.db");
  EXPECT_THAT(server, StatusIs(absl::StatusCode::kInternal,
                               HasSubstr("exited before listening")));
}

TEST_F(SmallBundleTest, RestartOnSameDatabaseServesOldDecisionsIdentically) {
  const v1::RefundRequest request = SevenDayReturn("r-restart");
  const v1::Decision decided = DecideOk(request);
  StopServer();
  StartServer(policies_);

  v1::Decision got;
  ASSERT_TRUE(GetDecision(decided.decision_id(), &got).ok());
  EXPECT_EQ(got.SerializeAsString(), decided.SerializeAsString());
  // Idempotency survives the restart.
  EXPECT_EQ(DecideOk(request).decision_id(), decided.decision_id());
}

TEST(ServerStartupTest, MemoryLogServesAndVerifiesWithoutAFile) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      StartRefundServer(REFUND_POLICIES_DIR, "memory:");
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->NewStub();
  v1::DecideRequest request;
  *request.mutable_request() = SevenDayReturn("memory-1");
  v1::Decision decision;
  grpc::ClientContext decide_context;
  ASSERT_TRUE(stub->Decide(&decide_context, request, &decision).ok());
  v1::GetDecisionRequest get;
  get.set_decision_id(decision.decision_id());
  v1::Decision stored;
  grpc::ClientContext get_context;
  ASSERT_TRUE(stub->GetDecision(&get_context, get, &stored).ok());
  EXPECT_EQ(stored.SerializeAsString(), decision.SerializeAsString());
  v1::VerifyDecisionLogResponse report;
  grpc::ClientContext verify_context;
  ASSERT_TRUE(stub->VerifyDecisionLog(&verify_context,
                                      v1::VerifyDecisionLogRequest(), &report)
                  .ok());
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.rows_checked(), 1);
  EXPECT_FALSE(std::filesystem::exists("memory:"));
}

}  // namespace
}  // namespace refund::e2e

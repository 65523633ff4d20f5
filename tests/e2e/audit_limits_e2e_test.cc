// Audit calls that cannot starve the server (issue 20, findings 2 and 4):
// Replay streams and verifies run on the audit pool, so many at once are
// refused (RESOURCE_EXHAUSTED) instead of taking the memory and the threads
// that Decide needs, and Decide goes on while they run.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/testing/log_builder.h"

namespace refund::e2e {
namespace {

using ::testing::HasSubstr;

// Stored decisions in the log the server starts on: a replay of them is
// far more than gRPC's flow-control window, so a stream whose client does
// not read stays open.
constexpr int kStoredDecisions = 1500;

class AuditLimitsTest : public SmallBundleTest {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<refund::testing::StoredLog>> stored =
        refund::testing::StoredLog::Create(kStoredDecisions);
    ASSERT_TRUE(stored.ok()) << stored.status();
    stored_ = stored->release();
    stored_->log.reset();  // closed: the server opens the file
  }
  static void TearDownTestSuite() {
    delete stored_;
    stored_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(stored_, nullptr);
    // Each test starts on its own copy of the stored log.
    std::filesystem::create_directories(db_path().parent_path());
    std::filesystem::copy_file(stored_->path, db_path());
    SmallBundleTest::SetUp();
  }

  ServerProcessOptions Options() const override {
    ServerProcessOptions options;
    options.extra_args = {"--max_concurrent_replays=2",
                          "--max_concurrent_verifies=1"};
    return options;
  }

  static refund::testing::StoredLog* stored_;
};

refund::testing::StoredLog* AuditLimitsTest::stored_ = nullptr;

v1::ReplayRequest ExactReplay(int limit = 0) {
  v1::ReplayRequest request;
  request.set_mode(v1::REPLAY_MODE_EXACT);
  request.set_limit(limit);
  return request;
}

// A Replay stream that has answered once (so it holds its place).
struct OpenReplay {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::ReplayResult>> reader;
};

// Every call of these tests ends within a minute, so that a server that
// does not refuse fails the test instead of hanging it.
void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
}

TEST_F(AuditLimitsTest, ReplaysBeyondTheLimitAreRefused) {
  std::vector<std::unique_ptr<OpenReplay>> open;
  for (int i = 0; i < 2; ++i) {
    auto replay = std::make_unique<OpenReplay>();
    SetDeadline(replay->context);
    replay->reader = stub_->Replay(&replay->context, ExactReplay());
    v1::ReplayResult first;
    ASSERT_TRUE(replay->reader->Read(&first));
    open.push_back(std::move(replay));
  }
  {
    grpc::ClientContext context;
    SetDeadline(context);
    auto reader = stub_->Replay(&context, ExactReplay());
    v1::ReplayResult result;
    EXPECT_FALSE(reader->Read(&result));
    const grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(status.error_message(),
                HasSubstr("too many concurrent replays (2)"));
  }
  // Decide is served while the replays wait for their readers.
  DecideOk(SevenDayReturn("while-replays-wait"));

  // A cancelled stream gives its place back.
  open[0]->context.TryCancel();
  v1::ReplayResult ignored;
  while (open[0]->reader->Read(&ignored)) {
  }
  EXPECT_EQ(open[0]->reader->Finish().error_code(),
            grpc::StatusCode::CANCELLED);
  grpc::Status last;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  do {
    grpc::ClientContext context;
    SetDeadline(context);
    auto reader = stub_->Replay(&context, ExactReplay(5));
    int results = 0;
    while (reader->Read(&ignored)) ++results;
    last = reader->Finish();
    if (last.ok()) {
      EXPECT_EQ(results, 6);  // 5 diffs and the summary
    }
  } while (last.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
           absl::Now() < deadline);
  EXPECT_TRUE(last.ok()) << last.error_message();
  open[1]->context.TryCancel();
  while (open[1]->reader->Read(&ignored)) {
  }
  open[1]->reader->Finish();
}

TEST_F(AuditLimitsTest, VerifiesBeyondTheLimitAreRefusedAndDecideGoesOn) {
  constexpr int kVerifies = 8;
  std::atomic<int> verified{0};
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::vector<std::thread> verifiers;
  for (int i = 0; i < kVerifies; ++i) {
    verifiers.emplace_back([&] {
      auto stub = server_->NewStub();
      grpc::ClientContext context;
      SetDeadline(context);
      v1::VerifyDecisionLogResponse response;
      const grpc::Status status = stub->VerifyDecisionLog(
          &context, v1::VerifyDecisionLogRequest(), &response);
      if (status.ok() && response.ok() &&
          response.rows_checked() >= kStoredDecisions) {
        ++verified;
      } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    DecideOk(SevenDayReturn(absl::StrCat("during-verifies-", i)));
  }
  for (std::thread& verifier : verifiers) verifier.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GE(verified.load(), 1);
  EXPECT_GE(refused.load(), 1);
  EXPECT_EQ(verified.load() + refused.load(), kVerifies);
}

TEST_F(AuditLimitsTest, AVerifyWhoseDeadlinePassedGivesItsPlaceBack) {
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(1));
    v1::VerifyDecisionLogResponse response;
    stub_->VerifyDecisionLog(&context, v1::VerifyDecisionLogRequest(),
                             &response);
  }
  grpc::Status last;
  v1::VerifyDecisionLogResponse response;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  do {
    grpc::ClientContext context;
    SetDeadline(context);
    last = stub_->VerifyDecisionLog(&context, v1::VerifyDecisionLogRequest(),
                                    &response);
  } while (last.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
           absl::Now() < deadline);
  ASSERT_TRUE(last.ok()) << last.error_message();
  EXPECT_TRUE(response.ok());
}

}  // namespace
}  // namespace refund::e2e

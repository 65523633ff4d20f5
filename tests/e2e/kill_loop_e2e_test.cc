// End-to-end: the real refund-server, on a real SQLite log, SIGKILLed again
// and again while clients decide (issue 20's kill -9 loop). Each round
// starts the server on the same database, lets three clients decide through
// the generated stub until a number of answers drawn from a seeded generator
// came back, kills the server at that moment (others are in flight) and
// starts it again. Then:
// - every decision a client was answered is there, byte for byte
//   (GetDecision), after every restart;
// - VerifyDecisionLog finds the chain intact after every restart;
// - a request whose call failed, sent again, is answered, and afterwards
//   the log holds every request exactly once (an unanswered decision may
//   have been stored before the kill: the retry gets it).
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"

namespace refund::e2e {
namespace {

// Kills per run: ~20 in well under a minute plain; fewer under
// AddressSanitizer, where each start of the server costs seconds.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kKills = 8;
#else
constexpr int kKills = 20;
#endif
constexpr int kClients = 3;
// A round's kill comes after this many answers, at most.
constexpr int kMaxAnswersBeforeKill = 24;

// The deterministic serialization: equal messages, equal bytes.
std::string Bytes(const v1::Decision& decision) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream output(&stream);
  output.SetSerializationDeterministic(true);
  decision.SerializeToCodedStream(&output);
  output.Trim();
  return bytes;
}

class KillLoopTest : public SmallBundleTest {
 protected:
  // The decisions clients were answered, by decision id.
  std::map<std::string, std::string> answered_;
  // Requests whose call failed (the server died under them), by request id.
  std::map<std::string, v1::RefundRequest> unanswered_;

  // Clients decide until `answers_before_kill` answers came back in this
  // round, then the server is killed; returns when every client stopped.
  void DecideAndKill(int round, int answers_before_kill,
                     absl::Duration delay_after) {
    absl::Mutex mu;
    // Answers of this round, clients stopped.
    struct Progress {
      int answers = 0;
      int stopped = 0;
      int kill_after = 0;
      bool KillNow() const {
        return answers >= kill_after || stopped == kClients;
      }
    } progress;
    progress.kill_after = answers_before_kill;
    std::atomic<bool> killed{false};
    std::vector<std::unique_ptr<v1::RefundDecisionService::Stub>> stubs;
    for (int c = 0; c < kClients; ++c) stubs.push_back(server_->NewStub());
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        v1::RefundDecisionService::Stub& stub = *stubs[c];
        for (int n = 0;; ++n) {
          const v1::RefundRequest request =
              SevenDayReturn(absl::StrCat("k", round, "-c", c, "-", n));
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(30));
          v1::Decision decision;
          const grpc::Status status =
              stub.Decide(&context, Decide(request), &decision);
          absl::MutexLock lock(&mu);
          if (!status.ok()) {
            // Only the kill makes a call fail.
            EXPECT_TRUE(killed.load())
                << status.error_code() << ": " << status.error_message();
            unanswered_[request.request_id()] = request;
            ++progress.stopped;
            return;
          }
          answered_[decision.decision_id()] = Bytes(decision);
          ++progress.answers;
          if (killed.load()) {
            ++progress.stopped;
            return;
          }
        }
      });
    }
    {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(&progress, &Progress::KillNow));
      EXPECT_GE(progress.answers, progress.kill_after)
          << "the clients stopped before the kill";
    }
    absl::SleepFor(delay_after);
    killed.store(true);
    KillServer();
    for (std::thread& client : clients) client.join();
    stubs.clear();
  }

  void ExpectEveryAnswerStoredAndTheChainIntact(const std::string& when) {
    SCOPED_TRACE(when);
    for (const auto& [decision_id, bytes] : answered_) {
      v1::Decision stored;
      const grpc::Status status = GetDecision(decision_id, &stored);
      ASSERT_TRUE(status.ok())
          << decision_id
          << " was answered and is lost: " << status.error_message();
      EXPECT_EQ(Bytes(stored), bytes) << decision_id;
    }
    grpc::ClientContext context;
    v1::VerifyDecisionLogResponse report;
    const grpc::Status status = stub_->VerifyDecisionLog(
        &context, v1::VerifyDecisionLogRequest(), &report);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const v1::LogProblem& problem : report.problems()) {
      ADD_FAILURE() << problem.ShortDebugString();
    }
    EXPECT_TRUE(report.ok());
    EXPECT_TRUE(report.has_chain_head());
    // Every answered decision, and perhaps some unanswered ones.
    EXPECT_GE(report.rows_checked(), static_cast<int64_t>(answered_.size()));
    EXPECT_LE(report.rows_checked(),
              static_cast<int64_t>(answered_.size() + unanswered_.size()));
    last_rows_ = report.rows_checked();
  }

  int64_t last_rows_ = 0;
};

TEST_F(KillLoopTest, EveryAnsweredDecisionSurvivesRepeatedSigkills) {
  std::mt19937_64 rng(9);
  for (int round = 0; round < kKills; ++round) {
    const int answers_before_kill =
        std::uniform_int_distribution<int>(1, kMaxAnswersBeforeKill)(rng);
    // A little later than the answer, so that the kill falls at varied
    // points of the next batch (not a threshold: any delay is correct).
    const absl::Duration delay =
        absl::Microseconds(std::uniform_int_distribution<int>(0, 3000)(rng));
    ASSERT_NO_FATAL_FAILURE(DecideAndKill(round, answers_before_kill, delay));
    ASSERT_NO_FATAL_FAILURE(StartServer(policies_));
    ASSERT_NO_FATAL_FAILURE(ExpectEveryAnswerStoredAndTheChainIntact(
        absl::StrCat("after kill ", round + 1)));
  }
  EXPECT_GT(unanswered_.size(), 0u) << "no kill fell on a call in flight";
  const int64_t stored_unanswered =
      last_rows_ - static_cast<int64_t>(answered_.size());
  std::cout << kKills << " kills: " << answered_.size() << " answered, "
            << unanswered_.size() << " unanswered, of which "
            << stored_unanswered << " stored before the kill\n";

  // The unanswered requests again: each is answered (the decision stored
  // before the kill, or a new one), and then the log holds every request
  // exactly once.
  for (const auto& [request_id, request] : unanswered_) {
    v1::Decision decision = DecideOk(request);
    answered_[decision.decision_id()] = Bytes(decision);
  }
  ASSERT_NO_FATAL_FAILURE(ExpectEveryAnswerStoredAndTheChainIntact("retried"));
  EXPECT_EQ(last_rows_, static_cast<int64_t>(answered_.size()));
}

}  // namespace
}  // namespace refund::e2e

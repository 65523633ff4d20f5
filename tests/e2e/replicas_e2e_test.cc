// End-to-end: refund-server replicas sharing one PostgreSQL decision log
// (server/log/postgres/), on a real throwaway cluster
// (tests/testing/test_postgres.h).
// - Two replicas behind one client channel balanced over both (round_robin,
//   as the tools make for an address list): 10,000 Decides of the shipped
//   bundle from many threads, every fifth request sent twice at once, one
//   copy pinned to each replica; halfway one replica is SIGKILLed (its
//   failed calls are retried on the other) and started again on a new port.
//   Afterwards every acknowledged decision is stored exactly once (asked of
//   PostgreSQL itself), both replicas answer GetDecision with the bytes the
//   client was given, `refundctl verify --log=URI` passes, both are SERVING.
// - PostgreSQL stopped under a running replica: Decide is UNAVAILABLE, never
//   OK; health NOT_SERVING; once PostgreSQL is back the replica serves again
//   by itself.
// - A replica whose database cannot be reached does not start, and says so
//   in one line.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/shell_command.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_postgres.h"

namespace refund::e2e {
namespace {

using ::refund::testing::TestPostgres;
using ::refund::testing::TestPostgresRows;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kDecideMethod[] = "/refund.v1.RefundDecisionService/Decide";
constexpr char kGetDecisionMethod[] =
    "/refund.v1.RefundDecisionService/GetDecision";

// grpc.health.v1.HealthCheckResponse.ServingStatus.
constexpr int kServing = 1;
constexpr int kNotServing = 2;

constexpr int kRequests = 10000;
// Every fifth request is sent twice at once, one copy to each replica.
constexpr int kDuplicateEvery = 5;
constexpr int kClientThreads = 24;
// Replica 1 is killed once this many requests are done, and this long
// after.
constexpr int kKillAfter = kRequests / 2;
constexpr absl::Duration kKillDelay = absl::Milliseconds(5);
// Requests from this one on wait until replica 1 is back, so that the end
// of the run is balanced over both replicas again.
constexpr int kBackFrom = kRequests * 7 / 10;
// Generous: under AddressSanitizer everything is several times slower. No
// call is expected to come near it.
constexpr absl::Duration kCallDeadline = absl::Seconds(60);
// A call failed UNAVAILABLE is tried again up to this many times, after
// 25 ms doubling to 1 s (about 40 s in all).
constexpr int kRetries = 45;
// How long a replica may take to notice PostgreSQL going away or coming
// back (it polls every 250 ms; its reconnection backs off to 5 s).
constexpr absl::Duration kHealthWait = absl::Seconds(30);

// One unary call of `method` with `request` as its bytes, started at
// construction; Wait gives its status and the reply's bytes. The raw bytes,
// so that replies are compared exactly as the server sent them.
class RawCall {
 public:
  RawCall(const std::shared_ptr<grpc::Channel>& channel, const char* method,
          const std::string& request)
      : stub_(channel) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    grpc::Slice slice(request);
    request_ = grpc::ByteBuffer(&slice, 1);
    stub_.UnaryCall(&context_, method, grpc::StubOptions(), &request_, &reply_,
                    [this](grpc::Status status) {
                      status_ = std::move(status);
                      done_.Notify();
                    });
  }
  // The call may not outlive its buffers.
  ~RawCall() { done_.WaitForNotification(); }
  RawCall(const RawCall&) = delete;
  RawCall& operator=(const RawCall&) = delete;

  grpc::Status Wait(std::string* reply) {
    done_.WaitForNotification();
    reply->clear();
    std::vector<grpc::Slice> slices;
    if (status_.ok() && reply_.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) {
        reply->append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    return status_;
  }

 private:
  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer reply_;
  grpc::Status status_;
  absl::Notification done_;
};

grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                     const char* method, const std::string& request,
                     std::string* reply) {
  return RawCall(channel, method, request).Wait(reply);
}

std::string DecideBytes(const v1::RefundRequest& request) {
  return Decide(request).SerializeAsString();
}

std::string GetDecisionBytes(const std::string& decision_id) {
  v1::GetDecisionRequest get;
  get.set_decision_id(decision_id);
  return get.SerializeAsString();
}

std::string DecisionIdOf(const std::string& reply) {
  v1::Decision decision;
  if (!decision.ParseFromString(reply)) return "";
  return decision.decision_id();
}

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(status.error_code(), ": ", status.error_message());
}

// Request `n` of the run: the e2e requests of the shipped bundle in turn (a
// seven-day return, one sent back and inspected, one missing its gift, an
// empty parcel), each under its own ids.
v1::RefundRequest RequestNumber(int n) {
  const std::string id = absl::StrFormat("replicas-%05d", n);
  switch (n % 4) {
    case 0:
      return SevenDayReturn(id);
    case 1:
      return ReturnedAndInspected(id, absl::StrCat("SF", 700000 + n),
                                  "SKU-SHIRT");
    case 2:
      return ReturnWithoutGift(id);
    default:
      return EmptyParcelReturn(id);
  }
}

std::shared_ptr<grpc::Channel> PinnedChannel(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

// What tools/client/server_connection.h makes of "A,B".
std::shared_ptr<grpc::Channel> BalancedChannel(const std::string& a,
                                               const std::string& b) {
  grpc::ChannelArguments arguments;
  arguments.SetLoadBalancingPolicyName("round_robin");
  return grpc::CreateCustomChannel(absl::StrCat("ipv4:", a, ",", b),
                                   grpc::InsecureChannelCredentials(),
                                   arguments);
}

// The health of the server behind `channel`, polled until it is `wanted`
// or `wait` has passed; returns the last answer (-1: no answer).
int AwaitHealth(const std::shared_ptr<grpc::Channel>& channel, int wanted,
                absl::Duration wait) {
  const absl::Time deadline = absl::Now() + wait;
  int health = -1;
  for (;;) {
    absl::StatusOr<int> answer = CheckHealth(channel);
    health = answer.ok() ? *answer : -1;
    if (health == wanted || absl::Now() > deadline) return health;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

// refundctl verify on the PostgreSQL log, as an operator runs it.
CommandResult VerifyWithRefundctl(const std::string& uri) {
  return RunCommand(
      absl::StrCat(REFUNDCTL_BINARY, " verify '--log=", uri, "'"));
}

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> uri =
        TestPostgres::Shared().CreateDatabase("replicas");
    ASSERT_TRUE(uri.ok()) << uri.status();
    uri_ = *uri;
  }

  void TearDown() override {
    // A test that stopped PostgreSQL and failed before starting it again
    // leaves it running for the next.
    if (TestPostgres::Shared().postmaster_pid() == 0) {
      EXPECT_TRUE(TestPostgres::Shared().StartAgain().ok());
    }
  }

  // A refund-server on the shipped bundle and the test's database; null
  // (with a failure) when it does not start.
  std::unique_ptr<ServerProcess> StartReplica() {
    ServerProcessOptions options;
    options.extra_args = {"--log=" + uri_};
    absl::StatusOr<std::unique_ptr<ServerProcess>> replica =
        StartRefundServer(REFUND_POLICIES_DIR, /*db=*/"", options);
    EXPECT_TRUE(replica.ok()) << replica.status();
    return replica.ok() ? *std::move(replica) : nullptr;
  }

  absl::StatusOr<TestPostgresRows> Sql(const std::string& sql) const {
    return TestPostgres::Shared().Query(uri_, sql);
  }

  std::string uri_;
};

// The two replicas and the client's channels to them.
class TwoReplicasTest : public ReplicasTest {
 protected:
  // How a call is sent: balanced over both replicas, or to one.
  enum class Route { kBalanced, kReplica0, kReplica1 };

  // The client's channels; replaced as a whole when a replica comes back on
  // a new port (a call keeps those it started with).
  struct Channels {
    std::shared_ptr<grpc::Channel> balanced;
    std::array<std::shared_ptr<grpc::Channel>, 2> pinned;
  };

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ReplicasTest::SetUp());
    for (std::unique_ptr<ServerProcess>& replica : replicas_) {
      replica = StartReplica();
      ASSERT_NE(replica, nullptr);
    }
    UseReplicas();
  }

  void TearDown() override {
    SetChannels(nullptr);
    for (std::unique_ptr<ServerProcess>& replica : replicas_) {
      if (replica == nullptr) continue;
      absl::StatusOr<int> exit_code = replica->Stop();
      EXPECT_TRUE(exit_code.ok()) << exit_code.status();
      if (exit_code.ok()) {
        EXPECT_EQ(*exit_code, 0);
      }
      replica.reset();
    }
    ReplicasTest::TearDown();
  }

  // New channels to the replicas' current addresses.
  void UseReplicas() {
    auto channels = std::make_shared<Channels>();
    channels->balanced =
        BalancedChannel(replicas_[0]->address(), replicas_[1]->address());
    for (int i = 0; i < 2; ++i) {
      channels->pinned[i] = PinnedChannel(replicas_[i]->address());
    }
    SetChannels(std::move(channels));
  }

  void SetChannels(std::shared_ptr<const Channels> channels) {
    absl::MutexLock lock(&mu_);
    channels_ = std::move(channels);
  }

  std::shared_ptr<grpc::Channel> ChannelFor(Route route) {
    absl::MutexLock lock(&mu_);
    switch (route) {
      case Route::kBalanced:
        return channels_->balanced;
      case Route::kReplica0:
        return channels_->pinned[0];
      case Route::kReplica1:
        return channels_->pinned[1];
    }
    return nullptr;
  }

  // Sends Decide with `request` by `routes[k % size]` at the k-th try until
  // a call ends otherwise than UNAVAILABLE or the tries run out (a client's
  // retry, after a backoff). Returns the last call's status, its reply in
  // `reply`; adds the calls that failed to `failures`.
  grpc::Status DecideWithRetries(const std::string& request,
                                 const std::vector<Route>& routes,
                                 std::string* reply, int* failures) {
    absl::Duration backoff = absl::Milliseconds(25);
    grpc::Status status;
    for (int attempt = 0; attempt <= kRetries; ++attempt) {
      if (attempt > 0) {
        absl::SleepFor(backoff);
        backoff = std::min(backoff * 2, absl::Seconds(1));
      }
      status = CallRaw(ChannelFor(routes[attempt % routes.size()]),
                       kDecideMethod, request, reply);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
      failed_calls_.fetch_add(1);
      ++*failures;
    }
    return status;
  }

  // Request `n`, once over the balanced channel, or (every fifth) twice at
  // once, a copy to each replica, each copy retried on the other replica.
  void Send(int n) {
    const v1::RefundRequest request = RequestNumber(n);
    const std::string bytes = DecideBytes(request);
    std::vector<grpc::Status> statuses;
    std::vector<std::string> replies;
    if (n % kDuplicateEvery != 0) {
      replies.resize(1);
      int failures = 0;
      statuses.push_back(
          DecideWithRetries(bytes, {Route::kBalanced}, &replies[0], &failures));
      if (failures > 0 && statuses[0].ok()) CountAnswerOfARetry(replies[0]);
    } else {
      replies.resize(2);
      RawCall to_0(ChannelFor(Route::kReplica0), kDecideMethod, bytes);
      RawCall to_1(ChannelFor(Route::kReplica1), kDecideMethod, bytes);
      statuses = {to_0.Wait(&replies[0]), to_1.Wait(&replies[1])};
      const std::array<std::vector<Route>, 2> retry_routes = {
          std::vector<Route>{Route::kReplica1, Route::kReplica0},
          std::vector<Route>{Route::kReplica0, Route::kReplica1}};
      for (int copy = 0; copy < 2; ++copy) {
        if (statuses[copy].error_code() != grpc::StatusCode::UNAVAILABLE) {
          continue;
        }
        failed_calls_.fetch_add(1);
        int failures = 0;
        statuses[copy] = DecideWithRetries(bytes, retry_routes[copy],
                                           &replies[copy], &failures);
      }
    }
    Record(request.request_id(), statuses, replies);
  }

  // A request sent once failed on the killed replica and was answered by
  // the other: when the decision is older than the kill, the killed replica
  // had stored it without answering, and the retry got it.
  void CountAnswerOfARetry(const std::string& reply) {
    v1::Decision decision;
    if (!decision.ParseFromString(reply)) return;
    const int64_t decided_at = decision.decided_at().seconds() * 1000000 +
                               decision.decided_at().nanos() / 1000;
    if (decided_at < killed_at_micros_.load()) {
      stored_by_the_killed_replica_.fetch_add(1);
    }
  }

  void Record(const std::string& request_id,
              const std::vector<grpc::Status>& statuses,
              const std::vector<std::string>& replies) {
    absl::MutexLock lock(&mu_);
    std::optional<std::string> answer;
    for (size_t i = 0; i < statuses.size(); ++i) {
      if (!statuses[i].ok()) {
        if (statuses[i].error_code() != grpc::StatusCode::UNAVAILABLE) {
          errors_.push_back(
              absl::StrCat(request_id, ": ", Describe(statuses[i])));
        }
        continue;
      }
      if (answer.has_value() && *answer != replies[i]) {
        errors_.push_back(absl::StrCat(
            request_id, ": the two replicas answered different bytes (",
            DecisionIdOf(*answer), ", ", DecisionIdOf(replies[i]), ")"));
      }
      answer = replies[i];
    }
    if (statuses.size() == 2 && statuses[0].ok() && statuses[1].ok()) {
      ++pairs_both_answered_;
    }
    if (answer.has_value()) {
      acknowledged_[request_id] = *std::move(answer);
    } else {
      unacknowledged_.insert(request_id);
    }
  }

  std::array<std::unique_ptr<ServerProcess>, 2> replicas_;
  std::atomic<int> failed_calls_{0};
  // When replica 1 was killed (Unix microseconds).
  std::atomic<int64_t> killed_at_micros_{INT64_MAX};
  // Retried requests answered with a decision made before the kill.
  std::atomic<int> stored_by_the_killed_replica_{0};

  absl::Mutex mu_;
  std::shared_ptr<const Channels> channels_ ABSL_GUARDED_BY(mu_);
  // The reply (a Decision's bytes) of each acknowledged request, by id.
  std::map<std::string, std::string> acknowledged_ ABSL_GUARDED_BY(mu_);
  // Requests no call got an answer for.
  std::set<std::string> unacknowledged_ ABSL_GUARDED_BY(mu_);
  // Anything but OK and UNAVAILABLE, or copies answered differently.
  std::vector<std::string> errors_ ABSL_GUARDED_BY(mu_);
  int pairs_both_answered_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_F(TwoReplicasTest, EveryAcknowledgedDecisionIsStoredOnceThroughAKill) {
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  absl::Notification replica_back;
  std::vector<std::thread> clients;
  for (int t = 0; t < kClientThreads; ++t) {
    clients.emplace_back([&] {
      for (int n = next.fetch_add(1); n < kRequests; n = next.fetch_add(1)) {
        if (n >= kBackFrom) replica_back.WaitForNotification();
        Send(n);
        done.fetch_add(1);
      }
    });
  }

  // Halfway, replica 1 dies with calls in flight; it comes back on a new
  // port while replica 0 serves alone.
  // A few milliseconds after the answers that made it half, so that the
  // kill tends to fall inside replica 1's next batch, now and then in its
  // COMMIT: those decisions are stored unanswered, and their retries get
  // them from replica 0. (Not asserted: any moment is correct.)
  while (done.load() < kKillAfter) absl::SleepFor(absl::Milliseconds(1));
  absl::SleepFor(kKillDelay);
  const std::string killed_address = replicas_[1]->address();
  killed_at_micros_.store(absl::ToUnixMicros(absl::Now()));
  absl::StatusOr<int> signal_number = replicas_[1]->Kill();
  EXPECT_TRUE(signal_number.ok()) << signal_number.status();
  if (signal_number.ok()) {
    EXPECT_EQ(*signal_number, SIGKILL);
  }
  const int done_at_kill = done.load();
  replicas_[1] = StartReplica();
  const int done_at_restart = done.load();
  if (replicas_[1] != nullptr) UseReplicas();
  replica_back.Notify();
  for (std::thread& client : clients) client.join();
  ASSERT_NE(replicas_[1], nullptr);

  std::map<std::string, std::string> acknowledged;
  std::set<std::string> unacknowledged;
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& error : errors_) ADD_FAILURE() << error;
    acknowledged = std::move(acknowledged_);
    unacknowledged = std::move(unacknowledged_);
    EXPECT_GT(pairs_both_answered_, 0);
    std::cout << pairs_both_answered_ << " duplicates answered by both "
              << "replicas\n";
  }
  EXPECT_EQ(acknowledged.size() + unacknowledged.size(),
            static_cast<size_t>(kRequests));
  EXPECT_GT(failed_calls_.load(), 0) << "the kill fell on no call";
  std::cout << acknowledged.size() << " requests acknowledged, "
            << unacknowledged.size() << " not; " << failed_calls_.load()
            << " calls failed UNAVAILABLE and were retried; "
            << stored_by_the_killed_replica_.load()
            << " retries got the decision the killed replica had stored; "
            << "replica 1 (" << killed_address << ") killed after "
            << done_at_kill << " requests, back on " << replicas_[1]->address()
            << " after " << done_at_restart << "\n";

  // What PostgreSQL holds: one row per request id, every acknowledged one
  // with the decision the client was given, nothing that was never sent.
  absl::StatusOr<TestPostgresRows> repeated =
      Sql("SELECT request_id, count(*) FROM decisions GROUP BY request_id "
          "HAVING count(*) <> 1");
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  EXPECT_THAT(*repeated, IsEmpty());
  absl::StatusOr<TestPostgresRows> rows =
      Sql("SELECT request_id, decision_id FROM decisions");
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::map<std::string, std::string> stored;  // request id -> decision id
  std::set<std::string> decision_ids;
  for (const auto& row : *rows) {
    ASSERT_EQ(row.size(), 2u);
    ASSERT_TRUE(row[0].has_value() && row[1].has_value());
    EXPECT_TRUE(stored.emplace(*row[0], *row[1]).second) << *row[0];
    EXPECT_TRUE(decision_ids.insert(*row[1]).second) << *row[1];
  }
  int missing = 0;
  for (const auto& [request_id, reply] : acknowledged) {
    auto it = stored.find(request_id);
    if (it == stored.end() || it->second != DecisionIdOf(reply)) {
      if (++missing <= 5) {
        ADD_FAILURE() << request_id << " was acknowledged as "
                      << DecisionIdOf(reply) << " and is "
                      << (it == stored.end() ? "not stored"
                                             : "stored as " + it->second);
      }
    }
  }
  EXPECT_EQ(missing, 0);
  size_t stored_unacknowledged = 0;
  for (const auto& [request_id, decision_id] : stored) {
    if (unacknowledged.count(request_id) > 0) {
      ++stored_unacknowledged;
    } else {
      EXPECT_EQ(acknowledged.count(request_id), 1u)
          << request_id << " is stored and was never sent";
    }
  }
  EXPECT_EQ(stored.size(), acknowledged.size() + stored_unacknowledged);

  // Both replicas give every acknowledged decision back, byte for byte.
  std::vector<const std::pair<const std::string, std::string>*> answers;
  for (const auto& answer : acknowledged) answers.push_back(&answer);
  std::atomic<size_t> next_answer{0};
  std::atomic<int> unequal{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 8; ++t) {
    readers.emplace_back([&] {
      for (size_t i = next_answer.fetch_add(1); i < answers.size();
           i = next_answer.fetch_add(1)) {
        const auto& [request_id, reply] = *answers[i];
        const std::string get = GetDecisionBytes(DecisionIdOf(reply));
        for (int replica = 0; replica < 2; ++replica) {
          std::string read;
          const grpc::Status status = CallRaw(
              ChannelFor(replica == 0 ? Route::kReplica0 : Route::kReplica1),
              kGetDecisionMethod, get, &read);
          if ((!status.ok() || read != reply) && ++unequal <= 5) {
            ADD_FAILURE() << "GetDecision of " << request_id
                          << "'s decision through replica " << replica << ": "
                          << (status.ok() ? "other bytes" : Describe(status));
          }
        }
      }
    });
  }
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(unequal.load(), 0);

  // The chain is one and intact, as an operator checks it.
  const CommandResult verify = VerifyWithRefundctl(uri_);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  for (int replica = 0; replica < 2; ++replica) {
    absl::StatusOr<int> health = CheckHealth(
        ChannelFor(replica == 0 ? Route::kReplica0 : Route::kReplica1));
    ASSERT_TRUE(health.ok()) << health.status();
    EXPECT_EQ(*health, kServing) << "replica " << replica;
  }
}

TEST_F(ReplicasTest, PostgresGoingAwayIsUnavailableUntilItComesBack) {
  std::unique_ptr<ServerProcess> replica = StartReplica();
  ASSERT_NE(replica, nullptr);
  std::shared_ptr<grpc::Channel> channel = PinnedChannel(replica->address());
  std::string first;
  grpc::Status status = CallRaw(
      channel, kDecideMethod, DecideBytes(SevenDayReturn("outage-0")), &first);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(AwaitHealth(channel, kServing, kHealthWait), kServing);

  ASSERT_TRUE(TestPostgres::Shared().Stop().ok());
  // Decide while the database is away: never OK (nothing can be stored),
  // always UNAVAILABLE, until health says NOT_SERVING (and a few more).
  std::vector<v1::RefundRequest> refused;
  const absl::Time deadline = absl::Now() + kHealthWait;
  int health = kServing;
  while (refused.size() < 5 || health != kNotServing) {
    refused.push_back(
        SevenDayReturn(absl::StrCat("outage-", refused.size() + 1)));
    std::string reply;
    status =
        CallRaw(channel, kDecideMethod, DecideBytes(refused.back()), &reply);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << Describe(status);
    absl::StatusOr<int> answer = CheckHealth(channel);
    ASSERT_TRUE(answer.ok()) << answer.status();
    health = *answer;
    if (absl::Now() > deadline) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(health, kNotServing);
  // A decision that is stored is not reported missing while the database
  // cannot be asked.
  std::string read;
  status = CallRaw(channel, kGetDecisionMethod,
                   GetDecisionBytes(DecisionIdOf(first)), &read);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << Describe(status);

  // Back: the replica reconnects by itself, no request needed to push it.
  ASSERT_TRUE(TestPostgres::Shared().StartAgain().ok());
  EXPECT_EQ(AwaitHealth(channel, kServing, kHealthWait), kServing);
  for (const v1::RefundRequest& request : refused) {
    std::string reply;
    status = CallRaw(channel, kDecideMethod, DecideBytes(request), &reply);
    EXPECT_TRUE(status.ok())
        << request.request_id() << ": " << Describe(status);
  }
  status = CallRaw(channel, kGetDecisionMethod,
                   GetDecisionBytes(DecisionIdOf(first)), &read);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(read, first);
  absl::StatusOr<TestPostgresRows> count =
      Sql("SELECT count(*) FROM decisions");
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*(*count)[0][0], std::to_string(refused.size() + 1));
  const CommandResult verify = VerifyWithRefundctl(uri_);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  channel.reset();
  absl::StatusOr<int> exit_code = replica->Stop();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

// A TCP port on 127.0.0.1 nothing listens on (bound, then let go).
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

TEST(ReplicaStartupTest, AnUnreachableDatabaseStopsItInOneLine) {
  const int port = ClosedPort();
  ASSERT_GT(port, 0);
  struct Case {
    std::string uri;
    std::string reason;
  };
  const Case cases[] = {
      {absl::StrCat("postgresql://postgres@127.0.0.1:", port, "/refund"),
       absl::StrCat("port ", port, " failed: Connection refused")},
      {"postgresql:///refund?host=/nonexistent-refund-pg&port=5432",
       "/nonexistent-refund-pg/.s.PGSQL.5432\" failed: No such file or "
       "directory"},
  };
  refund::testing::TempDir dir;
  const std::string stdout_path = dir.path() + "/stdout";
  for (const Case& c : cases) {
    SCOPED_TRACE(c.uri);
    // Standard error only (stdout to a file): RunCommand gives what the
    // command writes to both.
    const CommandResult result = RunCommand(
        absl::StrCat("(timeout 120 ", REFUND_SERVER_BINARY,
                     " --listen=127.0.0.1:0 --policies=", REFUND_POLICIES_DIR,
                     " '--log=", c.uri, "' >", stdout_path, ")"));
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_EQ(ReadWholeFile(stdout_path), "") << "it must not listen";
    // The descriptor-limit line every start prints first, then the
    // problem in one line.
    const std::vector<std::string> lines =
        absl::StrSplit(result.output, '\n', absl::SkipEmpty());
    ASSERT_EQ(lines.size(), 2u) << result.output;
    EXPECT_THAT(lines[0], StartsWith("refund-server: descriptor limit "));
    EXPECT_THAT(lines[1], StartsWith(absl::StrCat(
                              "refund-server: decision log ", c.uri, ": ")));
    EXPECT_THAT(lines[1], HasSubstr("cannot connect"));
    EXPECT_THAT(lines[1], HasSubstr(c.reason));
  }
}

}  // namespace
}  // namespace refund::e2e

// What the PostgreSQL store adds to the conformance suite
// (tests/server/log/decision_log_conformance_test.cc): several replicas on
// one database, a database that goes away and comes back, tampering found by
// verify, and the start-up refusals (a newer schema, a role without
// privileges, a URI that does not parse, a server that cannot be reached).
// Everything runs against a real, throwaway PostgreSQL
// (tests/testing/test_postgres.h).

#include "server/log/postgres/postgres_decision_log.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/base/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/decision_log.h"
#include "server/log/log_keyring.h"
#include "server/log/log_snapshot.h"
#include "server/log/log_verifier.h"
#include "server/log/open/open_decision_log.h"
#include "tests/testing/log_entry_builder.h"
#include "tests/testing/request_generator.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_postgres.h"

namespace refund::server {
namespace {

using ::refund::testing::LogEntrySpec;
using ::refund::testing::MakeTestLogEntry;
using ::refund::testing::StatusIs;
using ::refund::testing::TestLogRequest;
using ::refund::testing::TestPostgres;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kBundleText[] = "policy bundle text of the postgres tests";

std::string Version() { return Sha256Hex(kBundleText); }
LogEntrySpec Spec() { return LogEntrySpec().Bundle(Version()); }

absl::StatusOr<std::string> AppendAndWait(DecisionLog& log,
                                          DecisionLogEntry entry) {
  absl::StatusOr<std::string> result = absl::UnknownError("no answer");
  absl::Notification done;
  log.Append(std::move(entry), [&](absl::StatusOr<std::string> outcome) {
    result = std::move(outcome);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

std::vector<std::string> ProblemKinds(const VerifyReport& report) {
  std::vector<std::string> kinds;
  for (const LogProblem& problem : report.problems) {
    kinds.push_back(problem.kind);
  }
  return kinds;
}

class PostgresDecisionLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> uri =
        TestPostgres::Shared().CreateDatabase("pglog");
    ASSERT_TRUE(uri.ok()) << uri.status();
    uri_ = *uri;
  }

  std::unique_ptr<PostgresDecisionLog> OpenReplica(
      const PostgresDecisionLogOptions& options = {}) {
    absl::StatusOr<std::unique_ptr<PostgresDecisionLog>> log =
        PostgresDecisionLog::Open(uri_, options);
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return nullptr;
    EXPECT_TRUE((*log)->PutBundle(Version(), "pg", kBundleText, "").ok());
    return *std::move(log);
  }

  DecisionLogEntry NewEntry(const LogEntrySpec& spec = Spec()) {
    return MakeTestLogEntry(spec, TestLogRequest(spec, generator_.Next("pg")));
  }

  absl::StatusOr<VerifyReport> Verify() {
    absl::StatusOr<std::unique_ptr<LogSnapshot>> snapshot =
        OpenLogSnapshot(uri_);
    if (!snapshot.ok()) return snapshot.status();
    return VerifyLog(**snapshot);
  }

  // Stores `count` decisions through a replica, then closes it.
  void StoreRows(int count) {
    std::unique_ptr<PostgresDecisionLog> log = OpenReplica();
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(AppendAndWait(*log, NewEntry()).ok());
    }
    log->Close();
  }

  absl::Status Sql(const std::string& sql) {
    return TestPostgres::Shared().Execute(uri_, sql);
  }

  std::string uri_;
  testing::RequestGenerator generator_{/*seed=*/23};
};

TEST_F(PostgresDecisionLogTest, TwoReplicasWritingAtOnceKeepOneChain) {
  std::unique_ptr<PostgresDecisionLog> a = OpenReplica();
  std::unique_ptr<PostgresDecisionLog> b = OpenReplica();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kRequests = 400;
  std::vector<DecisionLogEntry> entries;
  for (int i = 0; i < kRequests; ++i) entries.push_back(NewEntry());

  // Every request goes to both replicas at about the same moment, from
  // two threads, as a client that retries on another replica would.
  absl::Mutex mu;
  absl::flat_hash_map<std::string, std::vector<std::string>> answers;
  std::vector<absl::Status> failures;
  std::atomic<int> pending{2 * kRequests};
  auto send = [&](DecisionLog& log, int first) {
    for (int n = 0; n < kRequests; ++n) {
      const DecisionLogEntry& entry = entries[(first + n) % kRequests];
      log.Append(entry, [&, id = entry.request_id](
                            absl::StatusOr<std::string> outcome) {
        absl::MutexLock lock(&mu);
        if (outcome.ok()) {
          answers[id].push_back(*std::move(outcome));
        } else {
          failures.push_back(outcome.status());
        }
        --pending;
      });
    }
  };
  std::thread to_a([&] { send(*a, 0); });
  std::thread to_b([&] { send(*b, kRequests / 2); });
  to_a.join();
  to_b.join();
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](std::atomic<int>* left) { return left->load() == 0; }, &pending));
  }
  EXPECT_THAT(failures, IsEmpty());
  ASSERT_EQ(answers.size(), static_cast<size_t>(kRequests));
  for (const auto& [request_id, both] : answers) {
    ASSERT_EQ(both.size(), 2u) << request_id;
    EXPECT_EQ(both[0], both[1]) << request_id;
  }

  absl::StatusOr<VerifyReport> report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << ::testing::PrintToString(ProblemKinds(*report));
  EXPECT_EQ(report->rows_checked, kRequests);
  EXPECT_EQ(report->last_seq, kRequests);
  // Each replica's committed head is a row of the one chain.
  absl::StatusOr<ChainHead> head_a = a->CommittedHead();
  absl::StatusOr<ChainHead> head_b = b->CommittedHead();
  ASSERT_TRUE(head_a.ok() && head_b.ok());
  EXPECT_EQ(std::max(head_a->last_seq, head_b->last_seq), kRequests);
}

TEST_F(PostgresDecisionLogTest, ADifferentBodyOnAnotherReplicaIsAlreadyExists) {
  std::unique_ptr<PostgresDecisionLog> a = OpenReplica();
  std::unique_ptr<PostgresDecisionLog> b = OpenReplica();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const LogEntrySpec spec = Spec().Request("same-request");
  ASSERT_TRUE(AppendAndWait(*a, MakeTestLogEntry(spec)).ok());
  EXPECT_THAT(
      AppendAndWait(*b, MakeTestLogEntry(LogEntrySpec(spec).Amount(1234))),
      StatusIs(absl::StatusCode::kAlreadyExists,
               HasSubstr("different request")));
}

TEST_F(PostgresDecisionLogTest, ABundleStoredByOneReplicaServesAnother) {
  std::unique_ptr<PostgresDecisionLog> a = OpenReplica();
  absl::StatusOr<std::unique_ptr<PostgresDecisionLog>> b =
      PostgresDecisionLog::Open(uri_);
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(b.ok()) << b.status();
  constexpr char kOther[] = "a bundle only replica a loaded";
  ASSERT_TRUE(a->PutBundle(Sha256Hex(kOther), "other", kOther, "").ok());
  absl::StatusOr<std::string> text = (*b)->GetBundleText(Sha256Hex(kOther));
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, kOther);
  // b never stored it, yet may append decisions made with it.
  EXPECT_TRUE(
      AppendAndWait(**b, NewEntry(Spec().Bundle(Sha256Hex(kOther)))).ok());
}

TEST_F(PostgresDecisionLogTest, ASnapshotReadsEveryRowAcrossPages) {
  // More rows than one cursor fetch.
  StoreRows(600);
  absl::StatusOr<VerifyReport> report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->rows_checked, 600);
}

TEST_F(PostgresDecisionLogTest, RestartAnswersUnavailableThenServesAgain) {
  std::unique_ptr<PostgresDecisionLog> log = OpenReplica();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(AppendAndWait(*log, NewEntry()).ok());

  ASSERT_TRUE(TestPostgres::Shared().Stop().ok());
  // Never OK for a decision that was not stored.
  EXPECT_THAT(AppendAndWait(*log, NewEntry()),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_FALSE(log->Health().serving);
  EXPECT_THAT(log->GetDecision("anything"),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));

  ASSERT_TRUE(TestPostgres::Shared().StartAgain().ok());
  // The writer reconnects by itself, without a request to push it.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!log->Health().serving && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(log->Health().serving) << log->Health().reason;
  EXPECT_TRUE(AppendAndWait(*log, NewEntry()).ok());
  absl::StatusOr<VerifyReport> report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->rows_checked, 2);
}

TEST_F(PostgresDecisionLogTest, ACrashedServerLosesNothingAcknowledged) {
  std::unique_ptr<PostgresDecisionLog> log = OpenReplica();
  ASSERT_NE(log, nullptr);
  std::vector<std::string> stored;
  for (int i = 0; i < 20; ++i) {
    DecisionLogEntry entry = NewEntry();
    const std::string id = entry.decision_id;
    if (AppendAndWait(*log, std::move(entry)).ok()) stored.push_back(id);
  }
  ASSERT_TRUE(TestPostgres::Shared().Kill().ok());
  ASSERT_TRUE(TestPostgres::Shared().StartAgain().ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  absl::Status read;
  do {
    read = log->GetDecision(stored.back()).status();
  } while (!read.ok() && absl::Now() < deadline);
  for (const std::string& id : stored) {
    EXPECT_TRUE(log->GetDecision(id).ok()) << id;
  }
}

TEST_F(PostgresDecisionLogTest, VerifyFindsAnEditedRow) {
  StoreRows(5);
  ASSERT_TRUE(Sql("UPDATE decisions SET decided_at = decided_at + 1 "
                  "WHERE seq = 3")
                  .ok());
  absl::StatusOr<VerifyReport> report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok);
  EXPECT_THAT(ProblemKinds(*report), ::testing::Contains("ROW_HASH_MISMATCH"));
}

TEST_F(PostgresDecisionLogTest, VerifyFindsADeletedRow) {
  StoreRows(5);
  ASSERT_TRUE(Sql("DELETE FROM decisions WHERE seq = 2").ok());
  absl::StatusOr<VerifyReport> report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok);
  EXPECT_THAT(ProblemKinds(*report), ::testing::Contains("SEQ_GAP"));
}

TEST_F(PostgresDecisionLogTest, VerifyFindsAnInsertedRow) {
  StoreRows(5);
  // A copy of row 2 put in as row 6 under new ids: its prev_hash is not
  // row 5's hash, and the head does not name it.
  ASSERT_TRUE(
      Sql("INSERT INTO decisions SELECT 6, decision_id || 'x', request_id || "
          "'x', refund_id, shop_id, verdict, decided_at, bundle_version, "
          "request, decision, request_sha256, prev_hash, row_hash, "
          "decision_codec, key_id, rule_ids FROM decisions WHERE seq = 2")
          .ok());
  absl::StatusOr<VerifyReport> report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok);
  EXPECT_THAT(ProblemKinds(*report), ::testing::Contains("PREV_HASH_MISMATCH"));
}

TEST_F(PostgresDecisionLogTest, VerifyFindsReorderedRows) {
  StoreRows(5);
  ASSERT_TRUE(Sql("UPDATE decisions SET seq = -1 WHERE seq = 2; "
                  "UPDATE decisions SET seq = 2 WHERE seq = 3; "
                  "UPDATE decisions SET seq = 3 WHERE seq = -1")
                  .ok());
  absl::StatusOr<VerifyReport> report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok);
  EXPECT_THAT(ProblemKinds(*report), ::testing::Contains("PREV_HASH_MISMATCH"));
}

TEST_F(PostgresDecisionLogTest, VerifyFindsEditedRuleIds) {
  StoreRows(5);
  ASSERT_TRUE(Sql("UPDATE decisions SET rule_ids = '{}' WHERE seq = 2").ok());
  absl::StatusOr<VerifyReport> report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok);
  EXPECT_THAT(ProblemKinds(*report), ElementsAre("RULES_MISMATCH"));
}

TEST_F(PostgresDecisionLogTest, VerifyFindsADeletedTail) {
  StoreRows(5);
  ASSERT_TRUE(Sql("DELETE FROM decisions WHERE seq >= 4").ok());
  absl::StatusOr<VerifyReport> report = Verify();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok);
  EXPECT_THAT(ProblemKinds(*report), ElementsAre("HEAD_MISMATCH"));
  // A replica started on it refuses to write after the cut.
  absl::StatusOr<std::unique_ptr<PostgresDecisionLog>> log =
      PostgresDecisionLog::Open(uri_);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_FALSE((*log)->Health().serving);
  EXPECT_THAT((*log)->Health().reason, HasSubstr("cut or altered"));
}

TEST_F(PostgresDecisionLogTest, ANewerSchemaIsRefused) {
  StoreRows(1);
  ASSERT_TRUE(Sql("UPDATE refund_log_schema SET version = 99").ok());
  EXPECT_THAT(PostgresDecisionLog::Open(uri_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("schema version 99 is newer")));
}

TEST_F(PostgresDecisionLogTest, TwoReplicasStartingAtOnceCreateTheSchemaOnce) {
  std::vector<absl::Status> opened(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back(
        [&, i] { opened[i] = PostgresDecisionLog::Open(uri_).status(); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& status : opened) EXPECT_TRUE(status.ok()) << status;
}

TEST_F(PostgresDecisionLogTest, ARoleWithoutPrivilegesIsRefusedNamingThem) {
  StoreRows(1);
  const std::string role =
      absl::StrCat("reader_", absl::ToUnixMicros(absl::Now()));
  ASSERT_TRUE(Sql(absl::StrCat("CREATE ROLE ", role,
                               " LOGIN; GRANT SELECT ON "
                               "ALL TABLES IN SCHEMA public TO ",
                               role))
                  .ok());
  EXPECT_THAT(PostgresDecisionLog::Open(absl::StrCat(uri_, "&user=", role)),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("INSERT on table decisions")));
}

TEST_F(PostgresDecisionLogTest, ARoleThatCannotCreateTheTablesIsRefused) {
  const std::string role =
      absl::StrCat("app_", absl::ToUnixMicros(absl::Now()));
  ASSERT_TRUE(Sql(absl::StrCat("CREATE ROLE ", role, " LOGIN")).ok());
  EXPECT_THAT(PostgresDecisionLog::Open(absl::StrCat(uri_, "&user=", role)),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("CREATE on the schema")));
}

TEST(PostgresStartupTest, AMalformedUriIsInvalidArgument) {
  EXPECT_THAT(OpenDecisionLog("postgresql://host:notaport/db"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
}

TEST(PostgresStartupTest, AnUnreachableServerIsUnavailable) {
  EXPECT_THAT(
      OpenDecisionLog("postgresql:///db?host=/nonexistent-socket-dir&port=1"),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot connect")));
}

TEST_F(PostgresDecisionLogTest, SealedRowsNeedTheirKey) {
  absl::StatusOr<std::shared_ptr<const LogKeyring>> keyring = LogKeyring::Parse(
      absl::StrCat("k1 ", std::string(64, 'a'), "\n"), "test keys");
  ASSERT_TRUE(keyring.ok()) << keyring.status();
  PostgresDecisionLogOptions sealed;
  sealed.keyring = *keyring;
  std::unique_ptr<PostgresDecisionLog> log = OpenReplica(sealed);
  ASSERT_NE(log, nullptr);
  DecisionLogEntry entry = NewEntry();
  const std::string id = entry.decision_id;
  const std::string request = entry.request_bytes;
  ASSERT_TRUE(AppendAndWait(*log, std::move(entry)).ok());
  absl::StatusOr<StoredDecision> read = log->GetDecision(id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->request_bytes, request);
  log->Close();
  // Stored sealed: the plaintext is nowhere in the table.
  absl::StatusOr<testing::TestPostgresRows> rows = TestPostgres::Shared().Query(
      uri_, "SELECT count(*) FROM decisions WHERE key_id = 'k1'");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0][0], std::optional<std::string>("1"));
  EXPECT_THAT(
      PostgresDecisionLog::Open(uri_),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("\"k1\"")));
}

}  // namespace
}  // namespace refund::server

// What the SQLite decision log does when a batch's COMMIT fails after its
// INSERTs succeeded (the disk fails while the WAL is synced): no entry of
// the batch is acknowledged, nothing of it is kept, and the writer's chain
// goes on from the last committed row, on the same open log
// (sqlite_decision_log.h: "A failed batch is rolled back and every entry in
// it answers UNAVAILABLE"; the writer "restores [the chain's head] when a
// batch fails").
//
// The WAL syncs fail through tests/testing/fault_injection_vfs.h, which
// must be the default VFS before the first log of the process is opened:
// this file is a test program of its own.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "server/log/decision_dictionary.h"
#include "server/log/log_entry.h"
#include "server/log/log_verifier.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "tests/testing/fault_injection_vfs.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_bundle.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::_;

class FailedCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::InstallFaultInjectionVfs())
        << "a decision log was opened before the failing VFS was installed";
    testing::ClearFault();
    auto bundle = LoadBundle(testing::TestBundleFiles());
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    bundle_ = *std::move(bundle);
    path_ = dir_.path() + "/decisions.db";
  }

  void TearDown() override { testing::ClearFault(); }

  // Every sync of a WAL file fails until ClearFault.
  static void FailWalSyncs() {
    testing::FaultSpec fault;
    fault.op = testing::FaultOp::kSync;
    fault.file = testing::FileKind::kWal;
    fault.persistent = true;
    testing::InjectFault(fault);
  }

  std::unique_ptr<SqliteDecisionLog> OpenLog() {
    auto log = SqliteDecisionLog::Open(path_);
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return nullptr;
    EXPECT_TRUE((*log)
                    ->PutBundle(bundle_->version(), bundle_->name(),
                                bundle_->canonical_text(),
                                BuildDecisionDictionary(*bundle_))
                    .ok());
    return *std::move(log);
  }

  // What the server records for a 7-day return with this request_id.
  DecisionLogEntry Entry(const std::string& request_id) {
    v1::RefundRequest request = testing::SevenDayReturn();
    request.set_request_id(request_id);
    absl::StatusOr<v1::Decision> decision = bundle_->Decide(request);
    EXPECT_TRUE(decision.ok()) << decision.status();
    if (!decision.ok()) return DecisionLogEntry();
    decision->set_decision_id(absl::StrCat("d-", request_id));
    *decision->mutable_decided_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            1'780'272'000'000'000 + 1'000'000 * ++appended_);
    return MakeLogEntry(request, *decision, bundle_->version());
  }

  // Appends `entries` at once (the writer may take them as one batch or
  // several) and waits for every answer.
  static std::vector<absl::StatusOr<std::string>> AppendAll(
      DecisionLog& log, std::vector<DecisionLogEntry> entries) {
    std::vector<absl::StatusOr<std::string>> outcomes(
        entries.size(), absl::UnknownError("not answered"));
    absl::Mutex mu;
    size_t pending = entries.size();
    for (size_t i = 0; i < entries.size(); ++i) {
      log.Append(std::move(entries[i]),
                 [&, i](absl::StatusOr<std::string> outcome) {
                   absl::MutexLock lock(&mu);
                   outcomes[i] = std::move(outcome);
                   --pending;
                 });
    }
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](size_t* left) { return *left == 0; }, &pending));
    return outcomes;
  }

  absl::StatusOr<std::string> Append(DecisionLog& log, DecisionLogEntry entry) {
    std::vector<DecisionLogEntry> entries;
    entries.push_back(std::move(entry));
    return std::move(AppendAll(log, std::move(entries))[0]);
  }

  static absl::StatusOr<VerifyReport> Verify(DecisionLog& log) {
    absl::StatusOr<std::unique_ptr<LogSnapshot>> snapshot = log.OpenSnapshot();
    if (!snapshot.ok()) return snapshot.status();
    return VerifyLog(**snapshot);
  }

  static void ExpectIntact(const absl::StatusOr<VerifyReport>& report,
                           int64_t rows) {
    ASSERT_TRUE(report.ok()) << report.status();
    for (const LogProblem& problem : report->problems) {
      ADD_FAILURE() << problem.kind << " at seq " << problem.seq << ": "
                    << problem.message;
    }
    EXPECT_TRUE(report->ok);
    EXPECT_EQ(report->rows_checked, rows);
    EXPECT_EQ(report->last_seq, rows);
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<const CompiledBundle> bundle_;
  int64_t appended_ = 0;
};

TEST_F(FailedCommitTest, EntriesOfAFailedCommitAreNotAcknowledged) {
  std::vector<absl::StatusOr<std::string>> failed;
  {
    std::unique_ptr<SqliteDecisionLog> log = OpenLog();
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(Append(*log, Entry("before")).ok());

    const int64_t failed_syncs = testing::InjectedFailures();
    FailWalSyncs();
    std::vector<DecisionLogEntry> entries;
    for (int i = 0; i < 3; ++i) {
      entries.push_back(Entry(absl::StrCat("lost", i)));
    }
    failed = AppendAll(*log, std::move(entries));
    testing::ClearFault();
    // The COMMIT itself failed (its INSERTs went through).
    ASSERT_GT(testing::InjectedFailures(), failed_syncs);
    for (const absl::StatusOr<std::string>& outcome : failed) {
      EXPECT_THAT(outcome.status(),
                  StatusIs(absl::StatusCode::kUnavailable, _));
    }
  }
  // Reopened: what was acknowledged is there, what was not is not, and the
  // chain is whole.
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(log->GetDecision("d-before").ok());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<StoredDecision> stored =
        log->GetDecision(absl::StrCat("d-lost", i));
    if (failed[i].ok()) {
      // Acknowledged: it must have been kept, byte for byte.
      ASSERT_TRUE(stored.ok()) << "acknowledged and lost: " << stored.status();
      EXPECT_EQ(stored->decision_bytes, *failed[i]);
    } else {
      EXPECT_THAT(stored.status(), StatusIs(absl::StatusCode::kNotFound, _));
    }
  }
  ExpectIntact(Verify(*log), 1);
}

TEST_F(FailedCommitTest, ChainGoesOnFromTheLastCommittedRowAfterARollback) {
  std::unique_ptr<SqliteDecisionLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(Append(*log, Entry("r0")).ok());
  ASSERT_TRUE(Append(*log, Entry("r1")).ok());

  FailWalSyncs();
  EXPECT_THAT(Append(*log, Entry("rolled-back")).status(),
              StatusIs(absl::StatusCode::kUnavailable, _));
  testing::ClearFault();

  // The same open log (nothing reloads the chain's head from the file).
  absl::StatusOr<std::string> next = Append(*log, Entry("r2"));
  ASSERT_TRUE(next.ok()) << next.status();
  absl::StatusOr<StoredDecision> stored = log->GetDecision("d-r2");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->seq, 3);
  EXPECT_THAT(log->GetDecision("d-rolled-back").status(),
              StatusIs(absl::StatusCode::kNotFound, _));
  ExpectIntact(Verify(*log), 3);
}

}  // namespace
}  // namespace refund::server

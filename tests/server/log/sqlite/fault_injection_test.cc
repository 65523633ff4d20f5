// The SQLite decision log under a failing disk and power loss (issue 20), in
// the manner of SQLite's I/O error and crash tests and leveldb's
// fault_injection_test. Through tests/testing/fault_injection_vfs.h, with
// several appenders appending at once, a write or sync fails at a point
// drawn from a seeded generator: a write to the WAL (any, the one carrying
// the chain head's page, the one carrying the commit frame), the WAL's sync
// at COMMIT, a write or sync of the main database (checkpoints), any write,
// any sync; once, or from then on until the disk recovers, or as a full
// disk. Then, on the same open log, after a reopen, and after a power cut
// that drops every unsynced write:
// - every acknowledged decision is there, byte for byte;
// - every decision answered UNAVAILABLE is absent (its batch was rolled
//   back), and nothing else is there: the log holds exactly the
//   acknowledged decisions;
// - the chain verifies (VerifyLog over a snapshot: no problem, the chain
//   head names the last row);
// - once the disk is good again appends succeed and the log is serving.
//
// The VFS must be the default before the first log of the process is
// opened: this file is a test program of its own.
#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "engine/base/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/log_verifier.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "tests/testing/fault_injection_vfs.h"
#include "tests/testing/log_entry_builder.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::AfterPowerCut;
using ::refund::testing::FaultOp;
using ::refund::testing::FaultSpec;
using ::refund::testing::FileKind;
using ::refund::testing::StatusIs;
using ::testing::_;

constexpr char kBundleText[] = "fault injection test bundle";
constexpr int kAppenders = 4;
// Appends per appender per round; each appender waits for its answer before
// the next, as a client does, so that a round is many small batches.
constexpr int kPerAppender = 6;
// Rounds run at most until the armed fault has fired.
constexpr int kMaxRounds = 20;

// Where the fault is.
enum class Target {
  kAnyCall,         // any call of the op on the file kind
  kChainHeadFrame,  // a WAL write carrying a frame of chain_head's page
  kCommitFrame,     // a WAL write carrying a commit frame
};

struct FaultCase {
  const char* name;
  FaultOp op;
  FileKind file;
  Target target;
  bool persistent;
  // The failing call is the nth matching one, n drawn from [1, max_nth].
  int64_t max_nth;
  int error = 0;  // 0: the VFS's I/O error for the op
};

const FaultCase kCases[] = {
    // The statements' pages reach the disk only at COMMIT, gathered into
    // writes of up to 64 KiB: the INSERTs' pages are in the first writes
    // of a commit, the chain head's page in one of them, the commit frame
    // in the last.
    {"WalWrite", FaultOp::kWrite, FileKind::kWal, Target::kAnyCall, false, 24},
    {"WalWriteOfChainHead", FaultOp::kWrite, FileKind::kWal,
     Target::kChainHeadFrame, false, 8},
    {"WalWriteOfCommitFrame", FaultOp::kWrite, FileKind::kWal,
     Target::kCommitFrame, false, 8},
    {"WalWriteStaysBad", FaultOp::kWrite, FileKind::kWal, Target::kAnyCall,
     true, 24},
    {"WalWriteDiskFull", FaultOp::kWrite, FileKind::kWal, Target::kAnyCall,
     true, 24, SQLITE_FULL},
    // The COMMIT's sync (synchronous=FULL), after its writes succeeded.
    {"WalSync", FaultOp::kSync, FileKind::kWal, Target::kAnyCall, false, 8},
    {"WalSyncStaysBad", FaultOp::kSync, FileKind::kWal, Target::kAnyCall, true,
     8},
    // Checkpoints: copying the WAL into the database file, and its sync.
    {"MainDbWrite", FaultOp::kWrite, FileKind::kMainDb, Target::kAnyCall, false,
     12},
    {"MainDbWriteStaysBad", FaultOp::kWrite, FileKind::kMainDb,
     Target::kAnyCall, true, 12},
    {"MainDbSync", FaultOp::kSync, FileKind::kMainDb, Target::kAnyCall, false,
     4},
    {"AnyWrite", FaultOp::kWrite, FileKind::kAny, Target::kAnyCall, false, 40},
    {"AnySync", FaultOp::kSync, FileKind::kAny, Target::kAnyCall, false, 12},
};

constexpr uint64_t kSeeds[] = {1, 2, 3};

// What happened to each append: request_id -> the answer.
using Outcomes = std::map<std::string, absl::StatusOr<std::string>>;

class FaultTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::InstallFaultInjectionVfs())
        << "a decision log was opened before the fault VFS was installed";
    testing::ClearFault();
    path_ = dir_.path() + "/decisions.db";
    version_ = Sha256Hex(kBundleText);
  }

  void TearDown() override {
    testing::ClearFault();
    log_.reset();
    ASSERT_TRUE(testing::RestorePower(AfterPowerCut::kKeepUnsyncedWrites).ok());
  }

  void OpenLog() {
    SqliteDecisionLogOptions options;
    // Checkpoints, and WAL restarts by the writer, often enough that a
    // round meets them.
    options.checkpoint_every = 8;
    options.wal_limit_pages = 32;
    absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
        SqliteDecisionLog::Open(path_, options);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    ASSERT_TRUE(log_->PutBundle(version_, "fault-test", kBundleText, "").ok());
  }

  // Closes every connection of the log.
  void CloseLog() { log_.reset(); }

  // kAppenders threads append kPerAppender entries each, one at a time;
  // returns when every one is answered. `on_ok`, when set, runs in each
  // OK callback with the number of OK answers of the round so far.
  void Round(std::mt19937_64& rng,
             const std::function<void(int)>& on_ok = nullptr) {
    const int round = rounds_++;
    std::vector<std::vector<DecisionLogEntry>> entries(kAppenders);
    for (int t = 0; t < kAppenders; ++t) {
      for (int i = 0; i < kPerAppender; ++i) {
        const std::string id = absl::StrCat("r", round, "-t", t, "-", i);
        // Up to ~3 pages of padding, so that a batch spans several WAL
        // writes.
        const size_t padding =
            std::uniform_int_distribution<size_t>(0, 12'000)(rng);
        entries[t].push_back(testing::MakeTestLogEntry(
            testing::LogEntrySpec()
                .Request(id)
                .Bundle(version_)
                .Padding(std::string(padding, 'p'))
                .At(round * 100 + t * kPerAppender + i)
                .Rules({"rule.a", absl::StrCat("rule.t", t)})));
        expected_bytes_[id] = entries[t].back().decision_bytes;
      }
    }
    absl::Mutex mu;
    Outcomes round_outcomes;
    std::atomic<int> oks{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kAppenders; ++t) {
      threads.emplace_back([&, t] {
        for (DecisionLogEntry& entry : entries[t]) {
          const std::string id = entry.request_id;
          absl::Notification done;
          log_->Append(std::move(entry),
                       [&](absl::StatusOr<std::string> outcome) {
                         if (outcome.ok() && on_ok) on_ok(++oks);
                         {
                           absl::MutexLock lock(&mu);
                           round_outcomes.emplace(id, std::move(outcome));
                         }
                         done.Notify();
                       });
          done.WaitForNotification();
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (auto& [id, outcome] : round_outcomes) {
      // A store failure is the only refusal a valid new entry can get.
      if (!outcome.ok()) {
        EXPECT_THAT(outcome.status(),
                    StatusIs(absl::StatusCode::kUnavailable, _))
            << id;
      }
      outcomes_.insert_or_assign(id, std::move(outcome));
    }
  }

  int64_t Failed() const {
    int64_t failed = 0;
    for (const auto& [id, outcome] : outcomes_) failed += !outcome.ok();
    return failed;
  }

  // Whether `failed` is the answer of a batch whose COMMIT failed at the
  // WAL's sync, after its frames were written.
  static bool SyncFailed(const absl::Status& failed) {
    return absl::StrContains(failed.message(),
                             absl::StrCat("(sqlite ", SQLITE_IOERR_FSYNC, ")"));
  }

  // The log holds exactly the acknowledged decisions, byte for byte, and
  // its chain verifies.
  //
  // `after_crash`: the log was reopened after a power loss or a process
  // crash. A batch whose sync failed may then be back (decision_log.h,
  // AppendCallback: its frames were written and may have reached the disk,
  // by the kernel or by another connection's sync of the WAL, such as the
  // checkpointer's), whole and chained; one that is back stays.
  void ExpectExactlyTheAcknowledged(const std::string& when,
                                    bool after_crash = false) {
    SCOPED_TRACE(when);
    int64_t acknowledged = 0;
    for (auto& [id, outcome] : outcomes_) {
      absl::StatusOr<StoredDecision> stored =
          log_->GetDecision(absl::StrCat("d-", id));
      if (outcome.ok()) {
        ++acknowledged;
        ASSERT_TRUE(stored.ok())
            << id << " was acknowledged and is lost: " << stored.status();
        EXPECT_EQ(stored->decision_bytes, *outcome) << id;
      } else if (after_crash && SyncFailed(outcome.status()) && stored.ok()) {
        ++acknowledged;
        ++came_back_;
        EXPECT_EQ(stored->decision_bytes, expected_bytes_[id]) << id;
        outcome = stored->decision_bytes;
      } else {
        EXPECT_THAT(stored.status(), StatusIs(absl::StatusCode::kNotFound, _))
            << id << " was answered " << outcome.status()
            << " and is in the log";
      }
    }
    absl::StatusOr<std::unique_ptr<LogSnapshot>> snapshot =
        log_->OpenSnapshot();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    absl::StatusOr<VerifyReport> report = VerifyLog(**snapshot);
    ASSERT_TRUE(report.ok()) << report.status();
    for (const LogProblem& problem : report->problems) {
      ADD_FAILURE() << problem.kind << " at seq " << problem.seq << ": "
                    << problem.message;
    }
    EXPECT_TRUE(report->ok);
    EXPECT_TRUE(report->has_chain_head);
    EXPECT_EQ(report->rows_checked, acknowledged);
    EXPECT_EQ(report->last_seq, acknowledged);
  }

  // The root page of `table`.
  uint32_t RootPage(const std::string& table) {
    absl::StatusOr<std::unique_ptr<SqliteConnection>> db =
        SqliteConnection::Open(path_, SQLITE_OPEN_READONLY);
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) return 0;
    absl::StatusOr<int64_t> page = (*db)->QueryInt64(absl::StrCat(
        "SELECT rootpage FROM sqlite_schema WHERE name = '", table, "'"));
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? static_cast<uint32_t>(*page) : 0;
  }

  testing::TempDir dir_;
  std::string path_;
  std::string version_;
  std::unique_ptr<SqliteDecisionLog> log_;
  Outcomes outcomes_;
  // request_id -> the decision bytes of its entry.
  std::map<std::string, std::string> expected_bytes_;
  // Failed appends found in the log after a crash.
  int came_back_ = 0;
  int rounds_ = 0;
};

class FaultInjectionTest
    : public FaultTestBase,
      public ::testing::WithParamInterface<std::tuple<FaultCase, uint64_t>> {};

TEST_P(FaultInjectionTest, AcknowledgedDecisionsSurviveAndTheChainVerifies) {
  const auto& [fault_case, seed] = GetParam();
  std::mt19937_64 rng(seed * 1000 +
                      static_cast<uint64_t>(&fault_case - &kCases[0]));
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  Round(rng);
  ASSERT_EQ(Failed(), 0) << "the disk is good before the fault";

  FaultSpec fault;
  fault.op = fault_case.op;
  fault.file = fault_case.file;
  fault.persistent = fault_case.persistent;
  fault.error = fault_case.error;
  fault.nth =
      std::uniform_int_distribution<int64_t>(1, fault_case.max_nth)(rng);
  if (fault_case.target == Target::kChainHeadFrame) {
    fault.carrying_page = RootPage("chain_head");
    ASSERT_GT(fault.carrying_page, 0u);
  }
  fault.carrying_commit_frame = fault_case.target == Target::kCommitFrame;
  SCOPED_TRACE(absl::StrCat(fault_case.name, " nth=", fault.nth));

  const int64_t failures_before = testing::InjectedFailures();
  testing::InjectFault(fault);
  for (int round = 0;
       round < kMaxRounds && testing::InjectedFailures() == failures_before;
       ++round) {
    Round(rng);
  }
  ASSERT_GT(testing::InjectedFailures(), failures_before)
      << "the fault never fired";
  // A disk that stays bad for a while.
  if (fault_case.persistent) Round(rng);
  testing::ClearFault();
  ASSERT_NO_FATAL_FAILURE(
      ExpectExactlyTheAcknowledged("on the open log, with the fault"));

  // The disk is good again: the same open log takes decisions, and serves.
  const int64_t failed = Failed();
  Round(rng);
  EXPECT_EQ(Failed(), failed) << "an append failed on a good disk";
  EXPECT_TRUE(log_->Health().serving) << log_->Health().reason;
  ASSERT_NO_FATAL_FAILURE(
      ExpectExactlyTheAcknowledged("on the open log, after the fault"));

  CloseLog();
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyTheAcknowledged("reopened"));

  // The power goes after some acknowledgements: nothing more reaches the
  // disk, and what was not synced is lost.
  const int cut_after =
      std::uniform_int_distribution<int>(1, kAppenders * kPerAppender / 2)(rng);
  Round(rng, [cut_after](int oks) {
    if (oks == cut_after) testing::CutPower();
  });
  CloseLog();
  ASSERT_TRUE(testing::RestorePower(AfterPowerCut::kDropUnsyncedWrites).ok());
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  ASSERT_NO_FATAL_FAILURE(
      ExpectExactlyTheAcknowledged("after a power loss", true));
  const int64_t failed_at_cut = Failed();
  Round(rng);
  EXPECT_EQ(Failed(), failed_at_cut) << "an append failed on a good disk";
  EXPECT_TRUE(log_->Health().serving) << log_->Health().reason;
  ASSERT_NO_FATAL_FAILURE(
      ExpectExactlyTheAcknowledged("appending after the power loss"));
}

class PowerLossTest : public FaultTestBase {
 protected:
  // One append, waiting for its answer.
  absl::StatusOr<std::string> AppendOne(const std::string& request_id) {
    absl::StatusOr<std::string> answer;
    absl::Notification done;
    DecisionLogEntry entry = testing::MakeTestLogEntry(
        testing::LogEntrySpec().Request(request_id).Bundle(version_));
    expected_bytes_[request_id] = entry.decision_bytes;
    log_->Append(std::move(entry), [&](absl::StatusOr<std::string> outcome) {
      answer = std::move(outcome);
      done.Notify();
    });
    done.WaitForNotification();
    return answer;
  }

  // Appends one decision while every WAL sync fails: its frames are
  // written, never synced.
  void AppendWithAFailingSync(const std::string& request_id) {
    FaultSpec fault;
    fault.op = FaultOp::kSync;
    fault.file = FileKind::kWal;
    fault.persistent = true;
    testing::InjectFault(fault);
    absl::StatusOr<std::string> answer = AppendOne(request_id);
    EXPECT_THAT(answer.status(), StatusIs(absl::StatusCode::kUnavailable, _));
    outcomes_.insert_or_assign(request_id, std::move(answer));
  }
};

// synchronous=FULL: a COMMIT returns only after the WAL is synced, so a
// power cut at any point after an acknowledgement loses none of them.
TEST_F(PowerLossTest, PowerLossKeepsEveryAcknowledgedDecision) {
  std::mt19937_64 rng(20);
  for (int cycle = 0; cycle < 6; ++cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle));
    ASSERT_NO_FATAL_FAILURE(OpenLog());
    const int cut_after = std::uniform_int_distribution<int>(
        1, kAppenders * kPerAppender - 1)(rng);
    Round(rng, [cut_after](int oks) {
      if (oks == cut_after) testing::CutPower();
    });
    CloseLog();
    ASSERT_TRUE(testing::RestorePower(AfterPowerCut::kDropUnsyncedWrites).ok());
    ASSERT_NO_FATAL_FAILURE(OpenLog());
    ASSERT_NO_FATAL_FAILURE(
        ExpectExactlyTheAcknowledged("after a power loss", true));
    CloseLog();
  }
}

// The frames of a batch whose sync failed are in the WAL file but were
// never synced (every WAL sync fails, the checkpointer's too): a power loss
// takes them, and the log holds exactly what was acknowledged.
TEST_F(PowerLossTest, PowerLossDropsTheFramesOfAFailedSync) {
  std::mt19937_64 rng(21);
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  Round(rng);
  ASSERT_EQ(Failed(), 0);
  AppendWithAFailingSync("not-synced");
  EXPECT_GT(testing::UnsyncedWrites(), 0);
  testing::CutPower();
  testing::ClearFault();
  CloseLog();
  absl::StatusOr<int64_t> undone =
      testing::RestorePower(AfterPowerCut::kDropUnsyncedWrites);
  ASSERT_TRUE(undone.ok()) << undone.status();
  EXPECT_GT(*undone, 0);
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyTheAcknowledged("after a power loss"));
}

// A process crash (the kernel keeps what it was given) before the next
// commit: the frames of the batch whose sync failed are whole in the WAL,
// and SQLite's recovery may take them back. The entry answered UNAVAILABLE
// may then be there: whole, chained, and what an identical retry gets
// (decision_log.h, AppendCallback).
TEST_F(PowerLossTest, ProcessCrashAfterAFailedSyncKeepsTheLogWhole) {
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  // Fewer appends than a checkpoint waits for: the WAL is not started over
  // before the failing batch (the first batch of a new WAL syncs the WAL's
  // header before writing any frame, and it is that sync which would fail).
  ASSERT_TRUE(AppendOne("synced").ok());
  outcomes_.emplace("synced", expected_bytes_["synced"]);
  AppendWithAFailingSync("not-synced");
  testing::CutPower();
  testing::ClearFault();
  CloseLog();
  ASSERT_TRUE(testing::RestorePower(AfterPowerCut::kKeepUnsyncedWrites).ok());
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  ASSERT_NO_FATAL_FAILURE(
      ExpectExactlyTheAcknowledged("after a crash", /*after_crash=*/true));
  // The kernel kept the batch's frames, commit frame included, and nothing
  // overwrote them.
  EXPECT_EQ(came_back_, 1);
  absl::StatusOr<std::string> retried = AppendOne("not-synced");
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(*retried, expected_bytes_["not-synced"]);
  outcomes_.insert_or_assign("not-synced", std::move(retried));
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyTheAcknowledged("after the retry"));
}

INSTANTIATE_TEST_SUITE_P(
    Faults, FaultInjectionTest,
    ::testing::Combine(::testing::ValuesIn(kCases),
                       ::testing::ValuesIn(kSeeds)),
    [](const ::testing::TestParamInfo<FaultInjectionTest::ParamType>& info) {
      return absl::StrCat(std::get<0>(info.param).name, "Seed",
                          std::get<1>(info.param));
    });

}  // namespace
}  // namespace refund::server

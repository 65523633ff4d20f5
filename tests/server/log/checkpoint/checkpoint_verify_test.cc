// A kept checkpoint against the log (server/log/log_verifier.h's anchors,
// from server/log/checkpoint/): on every store, a history rewritten from a
// row at or before the checkpoint, with a consistent chain and head, passes
// plain verify but not the checkpoint; rows deleted below it are caught;
// rows appended after it, or rewritten only after it, still pass. On a
// SQLite file, the same rewrite done in place on the file.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "engine/base/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/checkpoint/checkpoint_signer.h"
#include "server/log/checkpoint/head_signer.h"
#include "server/log/checkpoint/log_checkpoint.h"
#include "server/log/decision_log.h"
#include "server/log/log_verifier.h"
#include "server/log/memory/memory_decision_log.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"
#include "tests/testing/log_builder.h"
#include "tests/testing/log_entry_builder.h"
#include "tests/testing/log_rewriter.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_keys.h"

namespace refund::server {
namespace {

using ::refund::testing::LogEntrySpec;
using ::refund::testing::MakeTestLogEntry;
using ::refund::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;

constexpr char kBundleText[] = "bundle text of the checkpoint tests";
constexpr int kRows = 10;
// The checkpoint is taken when the log holds this many rows.
constexpr int64_t kCheckpointSeq = 6;

struct MemoryStore {
  static absl::StatusOr<std::unique_ptr<DecisionLog>> Make(
      const std::string& /*path*/) {
    return std::unique_ptr<DecisionLog>(std::make_unique<MemoryDecisionLog>());
  }
};

struct SqliteStore {
  static absl::StatusOr<std::unique_ptr<DecisionLog>> Make(
      const std::string& path) {
    absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
        SqliteDecisionLog::Open(path);
    if (!log.ok()) return log.status();
    return std::unique_ptr<DecisionLog>(*std::move(log));
  }
};

struct StoreNames {
  template <typename Store>
  static std::string GetName(int /*index*/) {
    return std::is_same_v<Store, MemoryStore> ? "Memory" : "Sqlite";
  }
};

// The entry of row `seq` of a history (the same for every log of a test,
// unless `verdict` differs).
DecisionLogEntry Row(int64_t seq, v1::Verdict verdict = v1::VERDICT_APPROVE) {
  return MakeTestLogEntry(LogEntrySpec()
                              .Request(absl::StrCat("r", seq))
                              .Verdict(verdict)
                              .At(seq)
                              .Bundle(Sha256Hex(kBundleText)));
}

absl::Status AppendAndWait(DecisionLog& log, DecisionLogEntry entry) {
  absl::Status result;
  absl::Notification done;
  log.Append(std::move(entry), [&](absl::StatusOr<std::string> outcome) {
    result = outcome.status();
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

template <typename Store>
class CheckpointVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = refund::testing::NewEd25519KeyPair();
    auto public_key = CheckpointPublicKey::FromPem(key_.public_pem);
    ASSERT_TRUE(public_key.ok()) << public_key.status();
    public_key_ = *std::move(public_key);
  }

  // A new log of the store holding rows 1..`rows`, row `rewritten` (if any)
  // with another verdict: another history, chained consistently, whose
  // plain verify passes.
  std::unique_ptr<DecisionLog> History(int rows, int64_t rewritten = 0) {
    absl::StatusOr<std::unique_ptr<DecisionLog>> log =
        Store::Make(absl::StrCat(dir_.path(), "/log", ++logs_, ".db"));
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return nullptr;
    EXPECT_TRUE((*log)
                    ->PutBundle(Sha256Hex(kBundleText), "test", kBundleText, "")
                    .ok());
    for (int64_t seq = 1; seq <= rows; ++seq) {
      EXPECT_TRUE(
          AppendAndWait(**log, Row(seq, seq == rewritten ? v1::VERDICT_REJECT
                                                         : v1::VERDICT_APPROVE))
              .ok());
    }
    return *std::move(log);
  }

  // The note a server signs over `log`'s head (HeadSigner, the fixture's
  // key).
  std::string SignHead(DecisionLog& log) {
    auto signer = CheckpointSigner::FromPem(key_.private_pem, "test-key");
    EXPECT_TRUE(signer.ok()) << signer.status();
    if (!signer.ok()) return "";
    auto head_signer =
        HeadSigner::Create(log, *std::move(signer), "checkpoint-test");
    EXPECT_TRUE(head_signer.ok()) << head_signer.status();
    if (!head_signer.ok()) return "";
    absl::StatusOr<SignedHead> signed_head = (*head_signer)->Sign();
    EXPECT_TRUE(signed_head.ok()) << signed_head.status();
    return signed_head.ok() ? signed_head->note : "";
  }

  // The note of the original history's head at kCheckpointSeq.
  std::string Checkpoint() { return SignHead(*History(kCheckpointSeq)); }

  // Verifies `log` against `notes` (each checked with the public key).
  VerifyReport Verify(DecisionLog& log,
                      const std::vector<std::string>& notes = {}) {
    VerifyOptions options;
    for (const std::string& note : notes) {
      absl::StatusOr<SignedCheckpoint> checkpoint = public_key_->Verify(note);
      EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
      if (checkpoint.ok()) {
        options.anchors.push_back(AnchorOf(checkpoint->checkpoint));
      }
    }
    absl::StatusOr<std::unique_ptr<LogSnapshot>> snapshot = log.OpenSnapshot();
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    if (!snapshot.ok()) return VerifyReport();
    absl::StatusOr<VerifyReport> report =
        VerifyLog(**snapshot, options, [] { return false; });
    EXPECT_TRUE(report.ok()) << report.status();
    return report.value_or(VerifyReport());
  }

  refund::testing::TempDir dir_;
  int logs_ = 0;
  refund::testing::PemKeyPair key_;
  std::unique_ptr<CheckpointPublicKey> public_key_;
};

using Stores = ::testing::Types<MemoryStore, SqliteStore>;
TYPED_TEST_SUITE(CheckpointVerifyTest, Stores, StoreNames);

TYPED_TEST(CheckpointVerifyTest, AppendsAfterTheCheckpointStillPass) {
  const std::string note = this->Checkpoint();
  std::unique_ptr<DecisionLog> grown = this->History(kRows);
  const VerifyReport report = this->Verify(*grown, {note});
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.rows_checked, kRows);
  ASSERT_EQ(report.anchors.size(), 1u);
  EXPECT_EQ(report.anchors[0].seq, kCheckpointSeq);
  EXPECT_TRUE(report.anchors[0].holds);
}

TYPED_TEST(CheckpointVerifyTest, CheckpointOfTheLogItselfPasses) {
  std::unique_ptr<DecisionLog> log = this->History(kCheckpointSeq);
  const std::string note = this->SignHead(*log);
  const VerifyReport report = this->Verify(*log, {note});
  EXPECT_TRUE(report.ok);
  ASSERT_EQ(report.anchors.size(), 1u);
  EXPECT_TRUE(report.anchors[0].holds);
}

TYPED_TEST(CheckpointVerifyTest, RewriteAtOrBeforeTheCheckpointIsCaught) {
  const std::string note = this->Checkpoint();
  for (int64_t rewritten : {int64_t{1}, int64_t{4}, kCheckpointSeq}) {
    SCOPED_TRACE(absl::StrCat("row ", rewritten, " rewritten"));
    std::unique_ptr<DecisionLog> forged = this->History(kRows, rewritten);
    // The forged chain is consistent: plain verify finds nothing.
    EXPECT_TRUE(this->Verify(*forged).ok);

    const VerifyReport report = this->Verify(*forged, {note});
    EXPECT_FALSE(report.ok);
    ASSERT_EQ(report.problem_count, 1);
    EXPECT_EQ(report.problems[0].kind, "CHECKPOINT_MISMATCH");
    EXPECT_EQ(report.problems[0].seq, kCheckpointSeq);
    EXPECT_EQ(report.problems[0].decision_id,
              absl::StrCat("d-r", kCheckpointSeq));
    EXPECT_THAT(
        report.problems[0].message,
        HasSubstr("rows up to seq 6 were changed after the checkpoint"));
    ASSERT_EQ(report.anchors.size(), 1u);
    EXPECT_FALSE(report.anchors[0].holds);
  }
}

TYPED_TEST(CheckpointVerifyTest, RewriteAfterTheCheckpointIsNotItsConcern) {
  // What a checkpoint does not protect: rows after it.
  const std::string note = this->Checkpoint();
  std::unique_ptr<DecisionLog> forged =
      this->History(kRows, kCheckpointSeq + 1);
  const VerifyReport report = this->Verify(*forged, {note});
  EXPECT_TRUE(report.ok);
  EXPECT_TRUE(report.anchors[0].holds);
}

TYPED_TEST(CheckpointVerifyTest, RowsDeletedBelowTheCheckpointAreCaught) {
  const std::string note = this->Checkpoint();
  std::unique_ptr<DecisionLog> shorter = this->History(kCheckpointSeq - 2);
  EXPECT_TRUE(this->Verify(*shorter).ok);

  const VerifyReport report = this->Verify(*shorter, {note});
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problem_count, 1);
  EXPECT_EQ(report.problems[0].kind, "CHECKPOINT_BEYOND_HEAD");
  EXPECT_EQ(report.problems[0].seq, kCheckpointSeq);
  EXPECT_THAT(report.problems[0].message,
              HasSubstr("the log ends at seq 4: rows were deleted"));
  EXPECT_FALSE(report.anchors[0].holds);
}

TYPED_TEST(CheckpointVerifyTest, SeveralCheckpointsAreEachReported) {
  std::unique_ptr<DecisionLog> early = this->History(3);
  const std::string at_3 = this->SignHead(*early);
  const std::string at_6 = this->Checkpoint();
  std::unique_ptr<DecisionLog> forged = this->History(kRows, 5);
  // Given out of order: the results follow the order given.
  const VerifyReport report = this->Verify(*forged, {at_6, at_3});
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.anchors.size(), 2u);
  EXPECT_EQ(report.anchors[0].seq, 6);
  EXPECT_FALSE(report.anchors[0].holds);
  EXPECT_EQ(report.anchors[1].seq, 3);
  EXPECT_TRUE(report.anchors[1].holds);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].seq, 6);
}

TYPED_TEST(CheckpointVerifyTest, EmptyLogHasNoHeadToSign) {
  std::unique_ptr<DecisionLog> empty = this->History(0);
  auto signer = CheckpointSigner::FromPem(this->key_.private_pem, "k");
  ASSERT_TRUE(signer.ok());
  auto head_signer = HeadSigner::Create(*empty, *std::move(signer), "o");
  ASSERT_TRUE(head_signer.ok());
  EXPECT_THAT(
      (*head_signer)->Sign(),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("empty")));
}

TEST(ChainAnchorTest, MalformedAnchorIsInvalidArgument) {
  MemoryDecisionLog log;
  auto snapshot = log.OpenSnapshot();
  ASSERT_TRUE(snapshot.ok());
  VerifyOptions options;
  options.anchors.push_back(ChainAnchor{0, std::string(32, 'x')});
  EXPECT_THAT(VerifyLog(**snapshot, options, [] { return false; }),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  options.anchors = {ChainAnchor{1, "short"}};
  EXPECT_THAT(VerifyLog(**snapshot, options, [] { return false; }),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
}

// The rewrite done in place on a SQLite file, as an attacker with write
// access would: real decisions (compressed), one edited, the chain and head
// recomputed.
class SqliteRewriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stored = refund::testing::StoredLog::Create(kRows);
    ASSERT_TRUE(stored.ok()) << stored.status();
    stored_ = *std::move(stored);
    const refund::testing::PemKeyPair key =
        refund::testing::NewEd25519KeyPair();
    auto signer = CheckpointSigner::FromPem(key.private_pem, "test-key");
    ASSERT_TRUE(signer.ok());
    auto head_signer =
        HeadSigner::Create(*stored_->log, *std::move(signer), "sqlite-test");
    ASSERT_TRUE(head_signer.ok());
    absl::StatusOr<SignedHead> signed_head = (*head_signer)->Sign();
    ASSERT_TRUE(signed_head.ok()) << signed_head.status();
    checkpoint_ = signed_head->checkpoint;
    ASSERT_EQ(checkpoint_.seq, kRows);
    stored_->log.reset();  // closed: only the attacker writes now
  }

  VerifyReport Verify(bool with_checkpoint) {
    auto snapshot = SqliteLogSnapshot::Open(stored_->path);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    if (!snapshot.ok()) return VerifyReport();
    VerifyOptions options;
    if (with_checkpoint) options.anchors.push_back(AnchorOf(checkpoint_));
    absl::StatusOr<VerifyReport> report =
        VerifyLog(**snapshot, options, [] { return false; });
    EXPECT_TRUE(report.ok()) << report.status();
    return report.value_or(VerifyReport());
  }

  std::unique_ptr<refund::testing::StoredLog> stored_;
  LogCheckpoint checkpoint_;
};

TEST_F(SqliteRewriteTest, IntactFileHoldsItsCheckpoint) {
  EXPECT_TRUE(Verify(true).ok);
}

TEST_F(SqliteRewriteTest, RewrittenChainPassesVerifyButNotTheCheckpoint) {
  ASSERT_TRUE(
      refund::testing::RewriteDecisionAndRechain(stored_->path, 3).ok());
  const VerifyReport plain = Verify(false);
  for (const LogProblem& problem : plain.problems) {
    ADD_FAILURE() << problem.kind << " at " << problem.seq << ": "
                  << problem.message;
  }
  EXPECT_TRUE(plain.ok);

  const VerifyReport report = Verify(true);
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "CHECKPOINT_MISMATCH");
  EXPECT_EQ(report.problems[0].seq, kRows);
}

TEST_F(SqliteRewriteTest, TruncatedFilePassesVerifyButNotTheCheckpoint) {
  ASSERT_TRUE(refund::testing::TruncateLogFrom(stored_->path, 8).ok());
  EXPECT_TRUE(Verify(false).ok);
  const VerifyReport report = Verify(true);
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "CHECKPOINT_BEYOND_HEAD");
  EXPECT_EQ(report.problems[0].seq, kRows);
}

TEST_F(SqliteRewriteTest, DeletedCheckpointedRowIsNamed) {
  std::string row_3_hash;
  {
    auto snapshot = SqliteLogSnapshot::Open(stored_->path);
    ASSERT_TRUE(snapshot.ok());
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<std::optional<LogRecord>> row = (*snapshot)->Next();
      ASSERT_TRUE(row.ok() && row->has_value());
      row_3_hash = (*row)->columns.row_hash;
    }
  }
  auto db = SqliteConnection::Open(stored_->path, SQLITE_OPEN_READWRITE);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)
                  ->Execute("DELETE FROM decisions WHERE seq = 3; "
                            "DELETE FROM decision_rules WHERE seq = 3")
                  .ok());
  auto snapshot = SqliteLogSnapshot::Open(stored_->path);
  ASSERT_TRUE(snapshot.ok());
  VerifyOptions options;
  options.anchors.push_back(ChainAnchor{3, row_3_hash});
  absl::StatusOr<VerifyReport> report =
      VerifyLog(**snapshot, options, [] { return false; });
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_FALSE(report->problems.empty());
  EXPECT_EQ(report->problems[0].kind, "CHECKPOINT_MISMATCH");
  EXPECT_EQ(report->problems[0].seq, 3);
  EXPECT_THAT(report->problems[0].message,
              HasSubstr("the log has no such row (it goes from seq 2 to seq "
                        "4)"));
  EXPECT_FALSE(report->anchors[0].holds);
}

TEST_F(SqliteRewriteTest, TruncatedAndRegrownFileIsCaught) {
  // Rows 8.. deleted, then the attacker appends other rows up to beyond the
  // checkpoint: the row at its seq is another one.
  ASSERT_TRUE(refund::testing::TruncateLogFrom(stored_->path, 8).ok());
  auto log = SqliteDecisionLog::Open(stored_->path);
  ASSERT_TRUE(log.ok()) << log.status();
  std::vector<v1::RefundRequest> requests(stored_->requests.begin() + 7,
                                          stored_->requests.end());
  for (v1::RefundRequest& request : requests) {
    request.set_request_id(request.request_id() + "-again");
  }
  ASSERT_TRUE(refund::testing::DecideAndStoreAll(**log, *stored_->bundle,
                                                 requests, "again-")
                  .ok());
  (*log)->Close();
  EXPECT_TRUE(Verify(false).ok);
  const VerifyReport report = Verify(true);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "CHECKPOINT_MISMATCH");
  EXPECT_EQ(report.problems[0].seq, kRows);
}

}  // namespace
}  // namespace refund::server

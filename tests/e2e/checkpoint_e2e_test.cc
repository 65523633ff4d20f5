// End-to-end: signed checkpoints of the decision log with the real server
// and a real SQLite file. Keys are made with the openssl commands the README
// gives. The server writes a checkpoint every few rows and on shutdown;
// GetCheckpoint (and `refundctl checkpoint`) signs on demand; a log whose
// tail was rewritten with a recomputed chain and head passes plain
// `refundctl verify` but is caught by a kept checkpoint, offline and through
// a server.
#include <stdio.h>
#include <sys/wait.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/base/sha256.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "server/log/checkpoint/checkpoint_file.h"
#include "server/log/checkpoint/checkpoint_signer.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/shell_command.h"
#include "tests/testing/log_rewriter.h"
#include "tests/testing/server_process.h"

namespace refund::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Quote(const std::string& text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

std::string Refundctl(const std::string& args) {
  return absl::StrCat(REFUNDCTL_BINARY, " ", args);
}

// The server with a checkpoint key (made by the README's commands) writing
// a checkpoint every 5 rows to checkpoint.note in the fixture's directory.
class CheckpointE2ETest : public SmallBundleTest {
 protected:
  void SetUp() override {
    key_ = dir_.path() + "/checkpoint.key";
    public_key_ = dir_.path() + "/checkpoint.pub";
    file_ = dir_.path() + "/checkpoint.note";
    CommandResult made = RunCommand(
        absl::StrCat("umask 077 && openssl genpkey -algorithm ed25519 -out ",
                     Quote(key_), " && openssl pkey -in ", Quote(key_),
                     " -pubout -out ", Quote(public_key_)));
    ASSERT_EQ(made.exit_code, 0) << made.output;
    auto public_key = server::CheckpointPublicKey::FromPemFile(public_key_);
    ASSERT_TRUE(public_key.ok()) << public_key.status();
    verifier_ = *std::move(public_key);
    SmallBundleTest::SetUp();
  }

  ServerProcessOptions Options() const override {
    ServerProcessOptions options;
    options.extra_args = {
        absl::StrCat("--checkpoint_key=", key_),
        absl::StrCat("--checkpoint_file=", file_),
        "--checkpoint_every_rows=5",
        "--checkpoint_every=1h",
        "--checkpoint_origin=e2e refunds",
    };
    return options;
  }

  void DecideMany(const std::string& prefix, int count) {
    for (int i = 0; i < count; ++i) {
      DecideOk(SevenDayReturn(absl::StrCat(prefix, i)));
    }
  }

  // The checkpoint in the file, its signature checked; seq 0 when there is
  // none.
  server::SignedCheckpoint FileCheckpoint() {
    absl::StatusOr<std::string> note = server::ReadCheckpointFile(file_);
    if (!note.ok()) return server::SignedCheckpoint();
    absl::StatusOr<server::SignedCheckpoint> checkpoint =
        verifier_->Verify(*note);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
    return checkpoint.value_or(server::SignedCheckpoint());
  }

  std::string key_;
  std::string public_key_;
  std::string file_;
  std::unique_ptr<server::CheckpointPublicKey> verifier_;
};

TEST_F(CheckpointE2ETest, WritesACheckpointEveryFiveRowsWhileServing) {
  DecideMany("periodic-", 4);
  absl::SleepFor(absl::Milliseconds(600));
  EXPECT_FALSE(std::filesystem::exists(file_)) << "4 rows are fewer than 5";
  DecideMany("periodic-more-", 2);
  server::SignedCheckpoint checkpoint;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (checkpoint.checkpoint.seq == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    checkpoint = FileCheckpoint();
  }
  EXPECT_EQ(checkpoint.checkpoint.seq, 6);
  EXPECT_EQ(checkpoint.checkpoint.origin, "e2e refunds");
  EXPECT_EQ(checkpoint.key_name, "refund-decision-log");
}

TEST_F(CheckpointE2ETest, GetCheckpointSignsTheHeadOnDemand) {
  DecideMany("on-demand-", 3);
  grpc::ClientContext context;
  v1::LogCheckpoint checkpoint;
  grpc::Status status =
      stub_->GetCheckpoint(&context, v1::GetCheckpointRequest(), &checkpoint);
  ASSERT_TRUE(status.ok()) << status.error_message();
  absl::StatusOr<server::SignedCheckpoint> verified =
      verifier_->Verify(checkpoint.note());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(checkpoint.seq(), 3);
  EXPECT_EQ(verified->checkpoint.seq, 3);
  EXPECT_EQ(checkpoint.row_hash(), ToHex(verified->checkpoint.row_hash));
  EXPECT_EQ(checkpoint.origin(), "e2e refunds");
  EXPECT_EQ(checkpoint.key_id(), ToHex(verifier_->key_id()));
  EXPECT_EQ(google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                checkpoint.time()),
            absl::ToUnixMicros(verified->checkpoint.time));

  // The same through refundctl, the note checked with the public key.
  CommandResult printed = RunCommand(
      Refundctl(absl::StrCat("checkpoint --server=", server_->address(),
                             " --public-key=", Quote(public_key_))));
  EXPECT_EQ(printed.exit_code, 0) << printed.output;
  EXPECT_THAT(printed.output, HasSubstr("refund-decision-log checkpoint v1\n"
                                        "origin e2e refunds\nseq 3\n"));
  EXPECT_TRUE(verifier_->Verify(printed.output).ok()) << printed.output;
}

TEST_F(CheckpointE2ETest,
       TamperedLogWithRecomputedChainIsCaughtByAKeptCheckpoint) {
  DecideMany("kept-", 8);
  StopServer();  // SIGTERM: the final checkpoint names the last row
  server::SignedCheckpoint final_checkpoint = FileCheckpoint();
  ASSERT_EQ(final_checkpoint.checkpoint.seq, 8);
  // The operator keeps a copy elsewhere.
  const std::string kept = dir_.path() + "/kept-elsewhere.note";
  std::filesystem::copy_file(file_, kept);

  // Someone with write access edits decision 3 and recomputes the chain
  // from it to the end, head included.
  ASSERT_TRUE(
      refund::testing::RewriteDecisionAndRechain(db_path().string(), 3).ok());

  CommandResult plain = RunCommand(
      Refundctl(absl::StrCat("verify --db=", Quote(db_path().string()))));
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_THAT(plain.output, HasSubstr("OK: 8 decisions"));

  // The spelling, --public_key.
  CommandResult checked = RunCommand(Refundctl(absl::StrCat(
      "verify --db=", Quote(db_path().string()), " --checkpoint=", Quote(kept),
      " --public_key=", Quote(public_key_))));
  EXPECT_EQ(checked.exit_code, 1) << checked.output;
  EXPECT_THAT(checked.output, HasSubstr("first broken link: seq 8 (decision "));
  EXPECT_THAT(checked.output, HasSubstr("CHECKPOINT_MISMATCH"));
  EXPECT_THAT(checked.output,
              HasSubstr(absl::StrCat("checkpoint ", kept,
                                     ": seq 8 (origin e2e refunds, ")));
  EXPECT_THAT(checked.output, HasSubstr("DOES NOT HOLD"));

  // Through a server on the tampered file: the checkpoint travels in the
  // request. (This server would sign the rewritten head: only a checkpoint
  // kept from before the rewrite catches it.)
  StartServer(policies_, Options());
  CommandResult online = RunCommand(Refundctl(absl::StrCat(
      "verify --server=", server_->address(), " --checkpoint=", Quote(kept),
      " --public-key=", Quote(public_key_))));
  EXPECT_EQ(online.exit_code, 1) << online.output;
  EXPECT_THAT(online.output, HasSubstr("seq 8 (decision "));
  EXPECT_THAT(online.output, HasSubstr("CHECKPOINT_MISMATCH"));
}

TEST_F(CheckpointE2ETest, IntactLogHoldsItsCheckpointsAfterMoreRows) {
  DecideMany("early-", 5);
  grpc::ClientContext context;
  v1::LogCheckpoint early;
  ASSERT_TRUE(
      stub_->GetCheckpoint(&context, v1::GetCheckpointRequest(), &early).ok());
  const std::string early_file = dir_.path() + "/early.note";
  ASSERT_TRUE(server::WriteCheckpointFile(early_file, early.note()).ok());
  DecideMany("late-", 3);
  StopServer();

  CommandResult checked = RunCommand(Refundctl(
      absl::StrCat("verify --db=", Quote(db_path().string()),
                   " --checkpoint=", Quote(early_file), ",", Quote(file_),
                   " --public-key=", Quote(public_key_))));
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_THAT(checked.output, HasSubstr("OK: 8 decisions"));
  EXPECT_THAT(checked.output, HasSubstr(": seq 5 (origin e2e refunds"));
  EXPECT_THAT(checked.output, HasSubstr("holds: rows 1..8 are unchanged"));
  EXPECT_THAT(checked.output, Not(HasSubstr("DOES NOT HOLD")));
}

TEST_F(CheckpointE2ETest, CheckpointSignedByAnotherKeyIsRefused) {
  DecideMany("other-key-", 1);
  StopServer();
  const std::string other = dir_.path() + "/other.pub";
  CommandResult made = RunCommand(absl::StrCat(
      "openssl genpkey -algorithm ed25519 | openssl pkey -pubout -out ",
      Quote(other)));
  ASSERT_EQ(made.exit_code, 0) << made.output;
  CommandResult checked = RunCommand(Refundctl(absl::StrCat(
      "verify --db=", Quote(db_path().string()), " --checkpoint=", Quote(file_),
      " --public-key=", Quote(other))));
  EXPECT_EQ(checked.exit_code, 1) << checked.output;
  EXPECT_THAT(checked.output, HasSubstr("not by this public key"));

  CommandResult alone = RunCommand(
      Refundctl(absl::StrCat("verify --db=", Quote(db_path().string()),
                             " --checkpoint=", Quote(file_))));
  EXPECT_EQ(alone.exit_code, 2) << alone.output;
}

TEST_F(SmallBundleTest, GetCheckpointWithoutAKeyIsFailedPrecondition) {
  DecideOk(SevenDayReturn("no-key"));
  grpc::ClientContext context;
  v1::LogCheckpoint checkpoint;
  grpc::Status status =
      stub_->GetCheckpoint(&context, v1::GetCheckpointRequest(), &checkpoint);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("--checkpoint_key"));
}

}  // namespace
}  // namespace refund::e2e

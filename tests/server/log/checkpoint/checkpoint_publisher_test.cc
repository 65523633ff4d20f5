// The server's periodic checkpoints (server/log/checkpoint/
// checkpoint_publisher.h) on the in-memory log: by rows, by time only when
// the head moved, a final one at Finish, none for an empty log, and a file
// that cannot be written reported and retried.
#include "server/log/checkpoint/checkpoint_publisher.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/base/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/checkpoint/checkpoint_file.h"
#include "server/log/checkpoint/checkpoint_signer.h"
#include "server/log/checkpoint/head_signer.h"
#include "server/log/memory/memory_decision_log.h"
#include "tests/testing/log_entry_builder.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_keys.h"

namespace refund::server {
namespace {

using ::refund::testing::LogEntrySpec;
using ::testing::HasSubstr;

constexpr char kBundleText[] = "bundle of the publisher tests";

class CheckpointPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const refund::testing::PemKeyPair key =
        refund::testing::NewEd25519KeyPair();
    auto public_key = CheckpointPublicKey::FromPem(key.public_pem);
    ASSERT_TRUE(public_key.ok());
    public_key_ = *std::move(public_key);
    auto signer = CheckpointSigner::FromPem(key.private_pem, "k");
    ASSERT_TRUE(signer.ok());
    auto head_signer = HeadSigner::Create(log_, *std::move(signer), "pub");
    ASSERT_TRUE(head_signer.ok());
    head_signer_ = *std::move(head_signer);
    ASSERT_TRUE(
        log_.PutBundle(Sha256Hex(kBundleText), "t", kBundleText, "").ok());
  }

  void Append(int count) {
    for (int i = 0; i < count; ++i) {
      absl::Notification done;
      log_.Append(refund::testing::MakeTestLogEntry(
                      LogEntrySpec()
                          .Request(absl::StrCat("r", ++appended_))
                          .Bundle(Sha256Hex(kBundleText))),
                  [&done](absl::StatusOr<std::string> outcome) {
                    EXPECT_TRUE(outcome.ok()) << outcome.status();
                    done.Notify();
                  });
      done.WaitForNotification();
    }
  }

  // The seq of the checkpoint in the file, checked with the public key; 0
  // when there is none (yet).
  int64_t FileSeq() {
    absl::StatusOr<std::string> note = ReadCheckpointFile(path_);
    if (!note.ok()) return 0;
    absl::StatusOr<SignedCheckpoint> checkpoint = public_key_->Verify(*note);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
    return checkpoint.ok() ? checkpoint->checkpoint.seq : -1;
  }

  // Waits up to 10 s for `publisher` to have written `count` checkpoints
  // (it writes the file first, then counts); the file's seq then.
  int64_t WaitForWritten(const CheckpointPublisher& publisher, int64_t count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (publisher.written() < count && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return FileSeq();
  }

  CheckpointSchedule Fast(int64_t every_rows, absl::Duration every) {
    CheckpointSchedule schedule;
    schedule.every_rows = every_rows;
    schedule.every = every;
    schedule.poll = absl::Milliseconds(5);
    schedule.retry = absl::Milliseconds(20);
    return schedule;
  }

  refund::testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/checkpoint";
  MemoryDecisionLog log_;
  int appended_ = 0;
  std::unique_ptr<HeadSigner> head_signer_;
  std::unique_ptr<CheckpointPublicKey> public_key_;
  std::ostringstream diagnostics_;
};

TEST_F(CheckpointPublisherTest, WritesOnceTheHeadIsEveryRowsAhead) {
  Append(2);  // before the start: counted as checkpointed
  CheckpointPublisher publisher(*head_signer_, path_,
                                Fast(5, absl::ZeroDuration()), diagnostics_);
  Append(4);
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(FileSeq(), 0) << "4 rows are fewer than 5";
  Append(1);
  EXPECT_EQ(WaitForWritten(publisher, 1), 7);
  Append(5);
  EXPECT_EQ(WaitForWritten(publisher, 2), 12);
  EXPECT_EQ(publisher.written(), 2);
  EXPECT_THAT(diagnostics_.str(),
              HasSubstr(absl::StrCat("checkpoint (rows) seq 12 row_hash ")));
  log_.Close();
  ASSERT_TRUE(publisher.Finish().ok());
  EXPECT_EQ(FileSeq(), 12);
  EXPECT_EQ(publisher.written(), 3);
}

TEST_F(CheckpointPublisherTest, ByTimeOnlyWhenTheHeadMoved) {
  Append(1);
  CheckpointPublisher publisher(*head_signer_, path_,
                                Fast(0, absl::Milliseconds(30)), diagnostics_);
  absl::SleepFor(absl::Milliseconds(120));
  EXPECT_EQ(publisher.written(), 0) << "the head did not move";
  Append(1);
  EXPECT_EQ(WaitForWritten(publisher, 1), 2);
  absl::SleepFor(absl::Milliseconds(120));
  EXPECT_EQ(publisher.written(), 1);
}

TEST_F(CheckpointPublisherTest, FinishWritesTheFinalHead) {
  CheckpointPublisher publisher(*head_signer_, path_,
                                Fast(1000, absl::Hours(1)), diagnostics_);
  Append(3);
  log_.Close();
  ASSERT_TRUE(publisher.Finish().ok());
  EXPECT_EQ(FileSeq(), 3);
  EXPECT_THAT(diagnostics_.str(), HasSubstr("checkpoint (final) seq 3"));
}

TEST_F(CheckpointPublisherTest, EmptyLogGetsNoCheckpoint) {
  CheckpointPublisher publisher(*head_signer_, path_,
                                Fast(1, absl::Milliseconds(1)), diagnostics_);
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_TRUE(publisher.Finish().ok());
  EXPECT_EQ(publisher.written(), 0);
  EXPECT_EQ(FileSeq(), 0);
}

TEST_F(CheckpointPublisherTest, UnwritableFileIsReportedAndRetried) {
  const std::string folder = dir_.path() + "/later";
  CheckpointPublisher publisher(*head_signer_, folder + "/checkpoint",
                                Fast(1, absl::ZeroDuration()), diagnostics_);
  Append(1);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (diagnostics_.str().find("checkpoint failed") == std::string::npos &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_THAT(diagnostics_.str(), HasSubstr("checkpoint failed (next try in"));
  EXPECT_EQ(publisher.written(), 0);
  // The folder appears: the next try writes.
  std::filesystem::create_directory(folder);
  while (publisher.written() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(publisher.written(), 1);
}

}  // namespace
}  // namespace refund::server

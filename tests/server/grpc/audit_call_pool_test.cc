#include "server/grpc/audit_call_pool.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

AuditCallLimits Limits() {
  AuditCallLimits limits;
  limits.threads = 2;
  limits.max_replays = 2;
  limits.max_verifies = 1;
  limits.max_validations = 3;
  return limits;
}

TEST(AuditCallPoolTest, RefusesACallBeyondItsKindsLimit) {
  AuditCallPool pool(Limits());
  absl::StatusOr<AuditSlot> first = pool.Admit(AuditCallKind::kVerify);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(pool.Admit(AuditCallKind::kVerify).status(),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("too many concurrent verifies (1)")));
  // Other kinds have places of their own.
  EXPECT_TRUE(pool.Admit(AuditCallKind::kReplay).ok());
  EXPECT_TRUE(pool.Admit(AuditCallKind::kValidate).ok());
}

TEST(AuditCallPoolTest, AReleasedSlotAdmitsTheNextCall) {
  AuditCallPool pool(Limits());
  std::vector<AuditSlot> slots;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<AuditSlot> slot = pool.Admit(AuditCallKind::kReplay);
    ASSERT_TRUE(slot.ok()) << slot.status();
    slots.push_back(*std::move(slot));
  }
  EXPECT_EQ(pool.Admitted(AuditCallKind::kReplay), 2);
  EXPECT_THAT(
      pool.Admit(AuditCallKind::kReplay).status(),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("replays")));

  slots[0].Release();
  slots[0].Release();  // idempotent: gives back one place only
  EXPECT_EQ(pool.Admitted(AuditCallKind::kReplay), 1);
  absl::StatusOr<AuditSlot> again = pool.Admit(AuditCallKind::kReplay);
  EXPECT_TRUE(again.ok()) << again.status();

  slots.clear();  // destroyed slots give their places back
  EXPECT_EQ(pool.Admitted(AuditCallKind::kReplay), 1);
}

TEST(AuditCallPoolTest, AMovedSlotIsReleasedOnce) {
  AuditCallPool pool(Limits());
  {
    absl::StatusOr<AuditSlot> slot = pool.Admit(AuditCallKind::kValidate);
    ASSERT_TRUE(slot.ok());
    AuditSlot moved = *std::move(slot);
    AuditSlot assigned = std::move(moved);
    EXPECT_EQ(pool.Admitted(AuditCallKind::kValidate), 1);
  }
  EXPECT_EQ(pool.Admitted(AuditCallKind::kValidate), 0);
}

TEST(AuditCallPoolTest, RunsTasksOnItsOwnThreadsAtALowerPriority) {
  AuditCallPool pool(Limits());
  const auto caller = static_cast<id_t>(syscall(SYS_gettid));
  const int caller_nice = getpriority(PRIO_PROCESS, caller);
  std::atomic<long> worker_tid{0};
  std::atomic<int> worker_nice{0};
  absl::Notification done;
  pool.Run(AuditCallKind::kReplay, [&] {
    const auto tid = static_cast<id_t>(syscall(SYS_gettid));
    worker_tid = static_cast<long>(tid);
    worker_nice = getpriority(PRIO_PROCESS, tid);
    done.Notify();
  });
  done.WaitForNotification();
  EXPECT_NE(worker_tid.load(), static_cast<long>(caller));
  // Nice values stop at 19.
  EXPECT_EQ(worker_nice.load(), std::min(19, caller_nice + 10));
}

TEST(AuditCallPoolTest, ALongTaskDoesNotHoldUpTheOtherWorker) {
  AuditCallPool pool(Limits());
  absl::Notification release_long;
  absl::Notification short_done;
  pool.Run(AuditCallKind::kReplay, [&] { release_long.WaitForNotification(); });
  pool.Run(AuditCallKind::kReplay, [&] { short_done.Notify(); });
  short_done.WaitForNotification();  // would hang with one worker
  release_long.Notify();
}

// A verify scans the whole log in one task: it runs on a verify worker, so
// replay steps and validations go on beside it, even with one step worker.
TEST(AuditCallPoolTest, VerifiesDoNotHoldUpReplaySteps) {
  AuditCallLimits limits = Limits();
  limits.threads = 1;
  limits.max_verifies = 2;
  AuditCallPool pool(limits);
  absl::Notification release_verifies;
  absl::Notification verifies_running[2];
  for (absl::Notification& running : verifies_running) {
    pool.Run(AuditCallKind::kVerify, [&] {
      running.Notify();
      release_verifies.WaitForNotification();
    });
  }
  for (absl::Notification& running : verifies_running) {
    running.WaitForNotification();  // both verifies hold a thread
  }
  absl::Notification step_done;
  pool.Run(AuditCallKind::kReplay, [&] { step_done.Notify(); });
  step_done.WaitForNotification();  // would hang behind the verifies
  release_verifies.Notify();
}

TEST(AuditCallPoolTest, RunsEveryQueuedTaskBeforeItIsDestroyed) {
  std::atomic<int> ran{0};
  {
    AuditCallPool pool(Limits());
    // Both queues: the step workers' and the verify workers'.
    for (int i = 0; i < 100; ++i) {
      pool.Run(i % 3 == 0 ? AuditCallKind::kVerify : AuditCallKind::kReplay,
               [&] { ++ran; });
    }
  }
  EXPECT_EQ(ran.load(), 100);
}

}  // namespace
}  // namespace refund::server

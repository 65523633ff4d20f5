#include "server/grpc/audit_call_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace refund::server {
namespace {

const char* PluralName(AuditCallKind kind) {
  switch (kind) {
    case AuditCallKind::kReplay:
      return "replays";
    case AuditCallKind::kVerify:
      return "verifies";
    case AuditCallKind::kValidate:
      return "validations";
  }
  return "calls";
}

int Index(AuditCallKind kind) { return static_cast<int>(kind); }

}  // namespace

AuditSlot::AuditSlot(AuditSlot&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), kind_(other.kind_) {}

AuditSlot& AuditSlot::operator=(AuditSlot&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    kind_ = other.kind_;
  }
  return *this;
}

AuditSlot::~AuditSlot() { Release(); }

void AuditSlot::Release() {
  if (pool_ != nullptr) std::exchange(pool_, nullptr)->Release(kind_);
}

AuditCallPool::AuditCallPool(AuditCallLimits limits) : limits_(limits) {
  absl::MutexLock lock(&mu_);
  StartWorkers(std::max(1, limits_.threads), &steps_);
  StartWorkers(std::max(0, limits_.max_verifies), &verifies_);
}

void AuditCallPool::StartWorkers(int count, Queue* queue) {
  for (int i = 0; i < count; ++i) {
    workers_.emplace_back([this, queue] {
      pthread_setname_np(pthread_self(), "audit-calls");
      // Linux applies a nice value to the one thread named by its tid. Not
      // being able to lower our own priority changes nothing that matters.
      if (limits_.nice != 0) {
        const auto tid = static_cast<id_t>(syscall(SYS_gettid));
        (void)setpriority(PRIO_PROCESS, tid,
                          getpriority(PRIO_PROCESS, tid) + limits_.nice);
      }
      Work(queue);
    });
  }
}

AuditCallPool::~AuditCallPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

int AuditCallPool::Limit(AuditCallKind kind) const {
  switch (kind) {
    case AuditCallKind::kReplay:
      return limits_.max_replays;
    case AuditCallKind::kVerify:
      return limits_.max_verifies;
    case AuditCallKind::kValidate:
      return limits_.max_validations;
  }
  return 0;
}

absl::StatusOr<AuditSlot> AuditCallPool::Admit(AuditCallKind kind) {
  const int limit = Limit(kind);
  absl::MutexLock lock(&mu_);
  if (admitted_[Index(kind)] >= limit) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many concurrent ", PluralName(kind), " (", limit,
                     "); try again later"));
  }
  ++admitted_[Index(kind)];
  return AuditSlot(this, kind);
}

void AuditCallPool::Release(AuditCallKind kind) {
  absl::MutexLock lock(&mu_);
  --admitted_[Index(kind)];
}

int AuditCallPool::Admitted(AuditCallKind kind) const {
  absl::MutexLock lock(&mu_);
  return admitted_[Index(kind)];
}

void AuditCallPool::Run(AuditCallKind kind, absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mu_);
  Queue& queue = kind == AuditCallKind::kVerify ? verifies_ : steps_;
  queue.tasks.push_back(std::move(task));
}

void AuditCallPool::Work(Queue* queue) {
  for (;;) {
    absl::AnyInvocable<void()> task;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this, queue]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue->tasks.empty();
      };
      mu_.Await(absl::Condition(&has_work));
      if (queue->tasks.empty()) return;  // stopping, nothing left
      task = std::move(queue->tasks.front());
      queue->tasks.pop_front();
    }
    task();
  }
}

}  // namespace refund::server

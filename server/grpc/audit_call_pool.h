// Where the audit and operator calls that can take long run: Replay,
// VerifyDecisionLog and ValidatePolicyBundle. They run on a few threads of
// their own, at a lower CPU priority, never on the gRPC threads that serve
// Decide; and only so many of each kind at once: beyond that a call is
// refused with RESOURCE_EXHAUSTED at once instead of queueing memory and CPU
// that Decide needs.
#ifndef SERVER_GRPC_AUDIT_CALL_POOL_H_
#define SERVER_GRPC_AUDIT_CALL_POOL_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace refund::server {

enum class AuditCallKind { kReplay, kVerify, kValidate };

struct AuditCallLimits {
  // Worker threads for Replay steps and validations. Each admitted verify
  // has a thread of its own besides (max_verifies of them): a verify scans
  // the whole log in one go, and must not keep replays waiting.
  int threads = 2;
  // Added to the workers' nice value (setpriority on each thread), so that
  // under load the scheduler prefers the threads serving Decide. 0: none.
  int nice = 10;
  // Calls of each kind admitted at once (open Replay streams, running
  // verifies, running validations).
  int max_replays = 16;
  int max_verifies = 2;
  int max_validations = 4;
};

class AuditCallPool;

// One admitted call; gives its place back when destroyed. Move-only.
class AuditSlot {
 public:
  AuditSlot(AuditSlot&& other) noexcept;
  AuditSlot& operator=(AuditSlot&& other) noexcept;
  AuditSlot(const AuditSlot&) = delete;
  AuditSlot& operator=(const AuditSlot&) = delete;
  ~AuditSlot();

  // Gives the place back now (before the call's answer is sent, so that a
  // client that calls again at once finds it free); idempotent.
  void Release();

 private:
  friend class AuditCallPool;
  AuditSlot(AuditCallPool* pool, AuditCallKind kind)
      : pool_(pool), kind_(kind) {}

  AuditCallPool* pool_;  // null once moved from
  AuditCallKind kind_;
};

// Thread-safe.
class AuditCallPool {
 public:
  // Starts the worker threads.
  explicit AuditCallPool(AuditCallLimits limits);
  // Runs what is queued, then joins the workers. Every slot must be gone.
  ~AuditCallPool();
  AuditCallPool(const AuditCallPool&) = delete;
  AuditCallPool& operator=(const AuditCallPool&) = delete;

  // A place for one call of `kind`, or RESOURCE_EXHAUSTED naming the limit
  // ("too many concurrent replays (16); try again later").
  absl::StatusOr<AuditSlot> Admit(AuditCallKind kind);

  // Runs `task`, the work of an admitted call of `kind`, on a worker: a
  // verify on the verify workers, the others on the step workers, each in
  // the order given. A task must not block on another task.
  void Run(AuditCallKind kind, absl::AnyInvocable<void()> task);

  // Calls of `kind` admitted now (for tests).
  int Admitted(AuditCallKind kind) const;

 private:
  friend class AuditSlot;
  void Release(AuditCallKind kind);
  int Limit(AuditCallKind kind) const;
  // One queue and the workers that serve it.
  struct Queue {
    std::deque<absl::AnyInvocable<void()>> tasks;
  };
  void StartWorkers(int count, Queue* queue);
  void Work(Queue* queue);

  const AuditCallLimits limits_;
  mutable absl::Mutex mu_;
  int admitted_[3] ABSL_GUARDED_BY(mu_) = {0, 0, 0};
  Queue steps_ ABSL_GUARDED_BY(mu_);
  Queue verifies_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace refund::server

#endif  // SERVER_GRPC_AUDIT_CALL_POOL_H_

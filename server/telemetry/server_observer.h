// What the server tells whoever watches it (metrics, log lines): finished
// calls, decisions, refused calls and policy reloads. The gRPC edge calls
// it; server/metrics/ and server/logging/ implement it. No gRPC, no
// Prometheus, no spdlog here.
#ifndef SERVER_TELEMETRY_SERVER_OBSERVER_H_
#define SERVER_TELEMETRY_SERVER_OBSERVER_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/decide/decision_outcome.h"
#include "refund/v1/refund.pb.h"
#include "server/access/refused_call_log.h"
#include "server/bundles/policy_reloader.h"
#include "server/telemetry/call_record.h"

namespace refund::server {

// One decision as Decide made it, before it is stored. Borrowed for the
// call only.
struct DecisionFacts {
  const CompiledBundle& bundle;
  const DecisionOutcome& outcome;
  v1::Platform platform = v1::PLATFORM_UNSPECIFIED;
  absl::string_view shop_id;
};

// Implementations are thread-safe: every method may be called from any
// gRPC thread at once. OnCall and OnDecision run on the Decide path: keep
// them cheap. Every method does nothing by default.
class ServerObserver {
 public:
  virtual ~ServerObserver() = default;

  // A call started (gRPC handed it to the server).
  virtual void OnCallStarted(KnownMethod /*method*/) {}
  // A call finished (its status sent): every method, health and reflection
  // included, refused calls too.
  virtual void OnCall(const CallRecord& /*call*/) {}
  // Decide made a decision (validated and evaluated; it is stored next).
  virtual void OnDecision(const DecisionFacts& /*decision*/) {}
  // The authorizer refused a call (UNAUTHENTICATED, PERMISSION_DENIED).
  virtual void OnRefusedCall(const RefusedCall& /*call*/) {}
  // A policy reload finished, whatever asked for it (start, SIGHUP, RPC).
  virtual void OnReload(const ReloadEvent& /*reload*/) {}
};

// Passes everything on to each of its observers, in order. Add observers
// before the server starts; thread-safe after.
class ObserverSet final : public ServerObserver {
 public:
  // Borrowed; must outlive this.
  void Add(ServerObserver* observer) { observers_.push_back(observer); }
  bool empty() const { return observers_.empty(); }

  void OnCallStarted(KnownMethod method) override {
    for (ServerObserver* o : observers_) o->OnCallStarted(method);
  }
  void OnCall(const CallRecord& call) override {
    for (ServerObserver* o : observers_) o->OnCall(call);
  }
  void OnDecision(const DecisionFacts& decision) override {
    for (ServerObserver* o : observers_) o->OnDecision(decision);
  }
  void OnRefusedCall(const RefusedCall& call) override {
    for (ServerObserver* o : observers_) o->OnRefusedCall(call);
  }
  void OnReload(const ReloadEvent& reload) override {
    for (ServerObserver* o : observers_) o->OnReload(reload);
  }

 private:
  std::vector<ServerObserver*> observers_;
};

}  // namespace refund::server

#endif  // SERVER_TELEMETRY_SERVER_OBSERVER_H_

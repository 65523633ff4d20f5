// refund.v1.RefundDecisionService on gRPC's callback API.
//
// Decide answers only after the decision log has durably stored the request,
// the decision and the bundle version: the reactor finishes from the log's
// callback. SuggestActions renders stored decisions through an
// ActionSuggester; Replay streams from a DecisionReplayer
// (server/grpc/replay_reactor.h).
#ifndef SERVER_GRPC_REFUND_SERVICE_H_
#define SERVER_GRPC_REFUND_SERVICE_H_

#include "engine/decide/wire_check.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.grpc.pb.h"
#include "server/bundles/bundle_cache.h"
#include "server/bundles/bundle_holder.h"
#include "server/bundles/candidate_root.h"
#include "server/bundles/policy_reloader.h"
#include "server/grpc/audit_call_pool.h"
#include "server/grpc/call_authorizer.h"
#include "server/log/checkpoint/head_signer.h"
#include "server/log/decision_log.h"
#include "server/suggest/action_suggester.h"
#include "server/telemetry/server_observer.h"

namespace refund::server {

// Thread-safe. Borrows its collaborators, which must outlive the server.
// Decide is a raw method: it parses the DecideRequest itself and answers with
// the decision's bytes exactly as the log stored them, so that a decision is
// serialized once (for the log and the wire alike).
class RefundService final
    : public v1::RefundDecisionService::WithRawCallbackMethod_Decide<
          v1::RefundDecisionService::WithRawCallbackMethod_SuggestActions<
              v1::RefundDecisionService::CallbackService>> {
 public:
  // Replay, VerifyDecisionLog and ValidatePolicyBundle run on `audit_pool`,
  // one slot each (RESOURCE_EXHAUSTED when their kind is at its limit).
  // Candidate directories (ValidatePolicyBundle, Replay) are read through
  // `candidate_root`; without one they are refused. Every call is first
  // put to `authorizer` (server/grpc/call_authorizer.h): UNAUTHENTICATED or
  // PERMISSION_DENIED before anything else is looked at, and the caller's
  // shops limit what it may decide and read (another shop's stored decision
  // is NOT_FOUND to it, as if it did not exist). GetCheckpoint signs through
  // `checkpoints` (borrowed, may be null: no key, no checkpoints). Each
  // decision made is told to `observer` (borrowed, may be null: metrics).
  RefundService(const BundleHolder& bundles, PolicyReloader& reloader,
                DecisionLog& log, AuditCallPool& audit_pool,
                CallAuthorizer& authorizer, CandidateRoot candidate_root = {},
                const HeadSigner* checkpoints = nullptr,
                ServerObserver* observer = nullptr);

  // `request` holds a serialized DecideRequest; `response` receives a
  // serialized Decision. INVALID_ARGUMENT naming the field for a bad request:
  // for bytes that do not parse, the string field that is not UTF-8 or where
  // the wire format breaks (engine/decide/wire_check.h); for an enum sent
  // beyond 32 bits (which the parser would read as its low 32 bits), that
  // field; then the validator's checks. Unknown fields are dropped before the
  // request is decided and stored: the log keeps exactly the request the
  // decision was made on, and a retry with or without them is the same body.
  // ALREADY_EXISTS when the request_id was decided for a different request;
  // UNAVAILABLE when the decision could not be stored (no verdict is
  // returned unrecorded).
  grpc::ServerUnaryReactor* Decide(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;

  // Suggested actions for a stored decision or, as a dry run that stores
  // nothing, for an inline request (ActionSuggester::Suggest). A raw method
  // too: bytes that do not parse, or enums beyond 32 bits, get
  // INVALID_ARGUMENT naming the field, as for Decide.
  grpc::ServerUnaryReactor* SuggestActions(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;

  // INVALID_ARGUMENT for an empty id, NOT_FOUND for an unknown one.
  grpc::ServerUnaryReactor* GetDecision(grpc::CallbackServerContext* context,
                                        const v1::GetDecisionRequest* request,
                                        v1::Decision* response) override;

  // Oldest first; INVALID_ARGUMENT for a bad page token, page size, time or
  // verdict.
  grpc::ServerUnaryReactor* ListDecisions(
      grpc::CallbackServerContext* context,
      const v1::ListDecisionsRequest* request,
      v1::ListDecisionsResponse* response) override;

  grpc::ServerUnaryReactor* GetPolicyBundle(
      grpc::CallbackServerContext* context,
      const v1::GetPolicyBundleRequest* request,
      v1::PolicyBundleInfo* response) override;

  // Compiles a candidate (inline files, or a directory under the candidate
  // root, server/bundles/bundle_source.h) and reports its issues; never
  // activates it. On the audit pool. A directory that cannot be read is refused
  // with its error (FAILED_PRECONDITION without a root, INVALID_ARGUMENT or
  // RESOURCE_EXHAUSTED naming `candidate.directory`).
  grpc::ServerUnaryReactor* ValidatePolicyBundle(
      grpc::CallbackServerContext* context,
      const v1::ValidatePolicyBundleRequest* request,
      v1::ValidatePolicyBundleResponse* response) override;

  // Reloads the --policies directory; FAILED_PRECONDITION listing every
  // issue when the bundle is refused (the old one keeps serving).
  grpc::ServerUnaryReactor* ReloadPolicies(
      grpc::CallbackServerContext* context,
      const v1::ReloadPoliciesRequest* request,
      v1::PolicyBundleInfo* response) override;

  // Streams one ReplayDiff per stored decision matching the filter, then the
  // ReplaySummary (server/audit/decision_replayer.h). INVALID_ARGUMENT naming
  // the field for a bad request or candidate (server/audit/replay_request.h).
  // On the audit pool, a few stored decisions per step
  // (server/grpc/replay_reactor.h).
  grpc::ServerWriteReactor<v1::ReplayResult>* Replay(
      grpc::CallbackServerContext* context,
      const v1::ReplayRequest* request) override;

  // Walks the decision log's hash chain (server/log/log_verifier.h), and
  // checks the request's checkpoints against it; problems are the answer,
  // an error means the check could not run (INVALID_ARGUMENT naming
  // `checkpoints[i]` for a malformed note, more than 100 of them). On the audit
  // pool; stops (CANCELLED) when the caller cancels or its deadline passes.
  grpc::ServerUnaryReactor* VerifyDecisionLog(
      grpc::CallbackServerContext* context,
      const v1::VerifyDecisionLogRequest* request,
      v1::VerifyDecisionLogResponse* response) override;

  // Signs the log's committed head now (server/log/checkpoint/
  // head_signer.h), on the calling thread (one Ed25519 signature).
  // FAILED_PRECONDITION without a key, for an empty log or one not serving.
  grpc::ServerUnaryReactor* GetCheckpoint(
      grpc::CallbackServerContext* context,
      const v1::GetCheckpointRequest* request,
      v1::LogCheckpoint* response) override;

 private:
  const BundleHolder& bundles_;
  PolicyReloader& reloader_;
  DecisionLog& log_;
  AuditCallPool& audit_pool_;
  CallAuthorizer& authorizer_;
  const CandidateRoot candidate_root_;
  const HeadSigner* const checkpoints_;
  ServerObserver* const observer_;
  // Compiled bundles of stored versions (suggestions in another locale,
  // replay).
  BundleCache bundle_cache_;
  ActionSuggester suggester_;
  // The schema of DecideRequest, read once, for the bytes Decide receives.
  const WireCheck decide_wire_check_;
  const WireCheck suggest_wire_check_;
};

}  // namespace refund::server

#endif  // SERVER_GRPC_REFUND_SERVICE_H_

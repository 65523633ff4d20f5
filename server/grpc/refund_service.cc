#include "server/grpc/refund_service.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/base/sha256.h"
#include "engine/base/status_macros.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/decide/decision_outcome.h"
#include "engine/decide/unknown_fields.h"
#include "engine/load/bundle_loader.h"
#include "engine/load/policy_issue.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "grpcpp/support/slice.h"
#include "server/audit/decision_filter.h"
#include "server/audit/replay_request.h"
#include "server/audit/verify_report_proto.h"
#include "server/bundles/bundle_source.h"
#include "server/grpc/grpc_status.h"
#include "server/grpc/replay_reactor.h"
#include "server/log/checkpoint/log_checkpoint.h"
#include "server/log/decision_id.h"
#include "server/log/log_entry.h"
#include "server/log/log_verifier.h"

namespace refund::server {
namespace {

using google::protobuf::util::TimeUtil;

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// The policy of `shop_id` (its layer over the floor; the floor when it has
// none or `shop_id` is empty).
void FillBundleInfo(const ActiveBundle& active, absl::string_view shop_id,
                    v1::PolicyBundleInfo* info) {
  *info = active.For(shop_id).Info();
  *info->mutable_loaded_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(active.loaded_at));
  info->set_source(active.source);
}

// A ByteBuffer that takes `bytes` over without copying them.
grpc::ByteBuffer ByteBufferOf(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  grpc::Slice slice(
      owned->data(), owned->size(),
      [](void* data) { delete static_cast<std::string*>(data); }, owned);
  return grpc::ByteBuffer(&slice, 1);
}

// ValidatePolicyBundle's work: the candidate's issues into `response`; a
// non-OK status when the validation could not run.
// With a shop id the candidate is that shop's layer over `floor`.
absl::Status ValidateCandidate(const v1::ValidatePolicyBundleRequest& request,
                               const CandidateRoot& root,
                               std::shared_ptr<const CompiledBundle> floor,
                               v1::ValidatePolicyBundleResponse& response) {
  std::vector<PolicyIssue> issues;
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> loaded =
      request.shop_id().empty()
          ? LoadBundleSource(request.candidate(), "candidate", root, &issues)
          : LoadLayerSource(request.candidate(), "candidate", root,
                            std::move(floor), request.shop_id(), &issues);
  if (loaded.ok()) {
    response.set_valid(true);
    response.set_bundle_name((*loaded)->name());
    response.set_version((*loaded)->version());
    response.set_rule_count((*loaded)->definition().rules_size());
    if ((*loaded)->is_layer()) {
      response.set_layer_shop_id((*loaded)->shop_id());
      response.set_floor_version((*loaded)->floor_version());
    }
    return absl::OkStatus();
  }
  // Mistakes in the candidate are the answer; anything else (a directory
  // refused or unreadable) means the validation could not run.
  if (issues.empty()) return loaded.status();
  response.set_valid(false);
  for (const PolicyIssue& issue : issues) {
    v1::PolicyIssue* out = response.add_issues();
    out->set_file(issue.file);
    out->set_line(issue.line);
    out->set_column(issue.column);
    out->set_message(issue.message);
  }
  return absl::OkStatus();
}

// VerifyDecisionLog's work: the report into `response`; CANCELLED when the
// caller cancels or its deadline passes.
absl::Status Verify(DecisionLog& log, const VerifyOptions& options,
                    grpc::CallbackServerContext& context,
                    v1::VerifyDecisionLogResponse& response) {
  ASSIGN_OR_RETURN(std::unique_ptr<LogSnapshot> snapshot, log.OpenSnapshot());
  ASSIGN_OR_RETURN(VerifyReport report,
                   VerifyLog(*snapshot, options,
                             [&context] { return context.IsCancelled(); }));
  response = ToProto(report);
  return absl::OkStatus();
}

// Checkpoints one VerifyDecisionLog call may give.
constexpr int kMaxVerifyCheckpoints = 100;

// VerifyDecisionLog's options: its problem limit and the anchors of its
// checkpoints (parsed; their signatures are the client's to check).
absl::StatusOr<VerifyOptions> VerifyOptionsOf(
    const v1::VerifyDecisionLogRequest& request) {
  if (request.max_problems() < 0) {
    return absl::InvalidArgumentError("max_problems: must not be negative");
  }
  if (request.checkpoints_size() > kMaxVerifyCheckpoints) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoints: more than ", kMaxVerifyCheckpoints));
  }
  VerifyOptions options;
  options.max_problems = request.max_problems();
  for (int i = 0; i < request.checkpoints_size(); ++i) {
    absl::StatusOr<SignedCheckpoint> note =
        ParseCheckpoint(request.checkpoints(i));
    if (!note.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoints[", i, "]: ", note.status().message()));
    }
    options.anchors.push_back(AnchorOf(note->checkpoint));
  }
  return options;
}

// Parses `bytes` into `message`, `check` reading them against the same
// schema. Protobuf says only that bytes do not parse; a second reading says
// where (on the error path only), else `unparsable`. The parser also keeps
// the low 32 bits of an enum sent beyond them (2^40 reads as 0): only the
// bytes show it, so a walk over the enum fields follows every parse
// (docs/performance.md: its cost per decision).
absl::Status ParseRequestBytes(const WireCheck& check,
                               const grpc::ByteBuffer& bytes,
                               absl::string_view unparsable,
                               google::protobuf::Message& message) {
  // The readers only read; they take a non-const pointer for their API's
  // sake. gRPC refuses messages above 4 MiB, so the size fits in an int.
  auto* readable = const_cast<grpc::ByteBuffer*>(&bytes);
  const int size = static_cast<int>(bytes.Length());
  grpc::ProtoBufferReader reader(readable);
  if (!message.ParseFromZeroCopyStream(&reader)) {
    grpc::ProtoBufferReader again(readable);
    absl::Status why = check.ExplainParseFailure(again, size);
    return why.ok() ? absl::InvalidArgumentError(unparsable) : why;
  }
  grpc::ProtoBufferReader again(readable);
  return check.FindOutOfRangeEnum(again, size);
}

absl::Status NoBundle() {
  return absl::UnavailableError("no policy bundle is loaded");
}

}  // namespace

RefundService::RefundService(const BundleHolder& bundles,
                             PolicyReloader& reloader, DecisionLog& log,
                             AuditCallPool& audit_pool,
                             CallAuthorizer& authorizer,
                             CandidateRoot candidate_root,
                             const HeadSigner* checkpoints,
                             ServerObserver* observer)
    : bundles_(bundles),
      reloader_(reloader),
      log_(log),
      audit_pool_(audit_pool),
      authorizer_(authorizer),
      candidate_root_(std::move(candidate_root)),
      checkpoints_(checkpoints),
      observer_(observer),
      bundle_cache_(log),
      suggester_(bundles, log, bundle_cache_),
      decide_wire_check_(*v1::DecideRequest::descriptor()),
      suggest_wire_check_(*v1::SuggestActionsRequest::descriptor()) {}

grpc::ServerUnaryReactor* RefundService::Decide(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response) {
  absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, ServiceMethod::kDecide);
  if (!caller.ok()) return FinishNow(context, caller.status());
  // The request and the decision live on one arena for the call: one
  // release instead of freeing each of the decision's ~100 parts.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 16 * 1024;
  google::protobuf::Arena arena(arena_options);
  auto* request =
      google::protobuf::Arena::CreateMessage<v1::DecideRequest>(&arena);
  if (absl::Status parsed = ParseRequestBytes(
          decide_wire_check_, *request_bytes,
          "request: not a refund.v1.DecideRequest (the bytes do not parse)",
          *request);
      !parsed.ok()) {
    return FinishNow(context, parsed);
  }
  if (!request->has_request()) {
    return FinishNow(context, absl::InvalidArgumentError("request: required"));
  }
  // What the log stores is what is decided on: fields this server does not
  // know are not kept (a client could otherwise store megabytes per call).
  // Discarding walks the message by reflection (microseconds): only when
  // there is something to drop.
  if (HasUnknownFields(request->request())) {
    request->mutable_request()->DiscardUnknownFields();
  }
  const v1::RefundRequest& refund_request = request->request();
  if (absl::Status allowed =
          authorizer_.CheckShop(*context, *caller, ServiceMethod::kDecide,
                                "request.shop_id", refund_request.shop_id());
      !allowed.ok()) {
    return FinishNow(context, allowed);
  }
  // The snapshot keeps this bundle alive until the decision is made, even if
  // a reload swaps it meanwhile.
  std::shared_ptr<const ActiveBundle> active = bundles_.Get();
  if (active == nullptr) return FinishNow(context, NoBundle());

  // The shop's layer over the floor, or the floor alone.
  const ShopLayers::Entry* layer = active->LayerEntry(refund_request.shop_id());
  const CompiledBundle& bundle =
      layer != nullptr ? *layer->layer : *active->bundle;
  // Evaluate validates the request (INVALID_ARGUMENT naming the field).
  absl::StatusOr<DecisionOutcome> outcome = bundle.Evaluate(refund_request);
  if (!outcome.ok()) return FinishNow(context, outcome.status());
  auto* decision = google::protobuf::Arena::CreateMessage<v1::Decision>(&arena);
  bundle.RenderInto(refund_request, *outcome, decision);
  if (observer_ != nullptr) {
    // Rule hits are counted by the floor's rule ids (a layer's own rules
    // come after them and are not labelled: one series per shop rule would
    // not scale to thousands of shops).
    observer_->OnDecision({*active->bundle, *outcome, refund_request.platform(),
                           refund_request.shop_id()});
  }
  // A layer's text is stored once, by the first decision that uses it.
  if (layer != nullptr && !layer->stored->load(std::memory_order_acquire)) {
    absl::Status stored =
        log_.PutBundle(bundle.version(), bundle.name(), bundle.canonical_text(),
                       /*decision_dictionary=*/"");
    if (!stored.ok()) {
      return FinishNow(context, absl::UnavailableError(absl::StrCat(
                                    "cannot store shop layer ",
                                    bundle.version(), ": ", stored.message())));
    }
    layer->stored->store(true, std::memory_order_release);
  }
  // Truncated to microseconds: the precision the log indexes and hashes.
  const int64_t decided_at = absl::ToUnixMicros(absl::Now());
  absl::StatusOr<std::string> decision_id =
      NewDecisionId(absl::FromUnixMicros(decided_at));
  if (!decision_id.ok()) return FinishNow(context, decision_id.status());
  decision->set_decision_id(*std::move(decision_id));
  *decision->mutable_decided_at() =
      TimeUtil::MicrosecondsToTimestamp(decided_at);

  DecisionLogEntry entry =
      MakeLogEntry(refund_request, *decision, bundle.version());

  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // `response` stays valid until Finish: gRPC owns it for the whole call.
  log_.Append(std::move(entry),
              [reactor, response](absl::StatusOr<std::string> stored) {
                if (stored.ok()) *response = ByteBufferOf(*std::move(stored));
                reactor->Finish(ToGrpcStatus(stored.status()));
              });
  return reactor;
}

grpc::ServerUnaryReactor* RefundService::SuggestActions(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response) {
  absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, ServiceMethod::kSuggestActions);
  if (!caller.ok()) return FinishNow(context, caller.status());
  v1::SuggestActionsRequest request;
  if (absl::Status parsed = ParseRequestBytes(
          suggest_wire_check_, *request_bytes,
          "not a refund.v1.SuggestActionsRequest (the bytes do not parse)",
          request);
      !parsed.ok()) {
    return FinishNow(context, parsed);
  }
  if (request.has_request()) {
    if (absl::Status allowed = authorizer_.CheckShop(
            *context, *caller, ServiceMethod::kSuggestActions,
            "request.shop_id", request.request().shop_id());
        !allowed.ok()) {
      return FinishNow(context, allowed);
    }
  }
  absl::StatusOr<v1::SuggestActionsResponse> suggestion =
      suggester_.Suggest(request, caller->scope());
  if (suggestion.ok())
    *response = ByteBufferOf(suggestion->SerializeAsString());
  return FinishNow(context, suggestion.status());
}

grpc::ServerUnaryReactor* RefundService::GetDecision(
    grpc::CallbackServerContext* context, const v1::GetDecisionRequest* request,
    v1::Decision* response) {
  absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, ServiceMethod::kGetDecision);
  if (!caller.ok()) return FinishNow(context, caller.status());
  if (request->decision_id().empty()) {
    return FinishNow(context,
                     absl::InvalidArgumentError("decision_id: required"));
  }
  absl::StatusOr<StoredDecision> stored =
      log_.GetDecision(request->decision_id(), caller->scope());
  if (stored.ok()) *response = std::move(stored->decision);
  return FinishNow(context, stored.status());
}

grpc::ServerUnaryReactor* RefundService::ListDecisions(
    grpc::CallbackServerContext* context,
    const v1::ListDecisionsRequest* request,
    v1::ListDecisionsResponse* response) {
  absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, ServiceMethod::kListDecisions);
  if (!caller.ok()) return FinishNow(context, caller.status());
  absl::StatusOr<DecisionFilter> filter = ToDecisionFilter(*request);
  if (!filter.ok()) return FinishNow(context, filter.status());
  filter->scope = caller->scope();
  absl::StatusOr<DecisionPage> page = log_.ListDecisions(*filter);
  if (!page.ok()) return FinishNow(context, page.status());
  for (StoredDecision& stored : page->decisions) {
    *response->add_decisions() = std::move(stored.decision);
  }
  response->set_next_page_token(std::move(page->next_page_token));
  return FinishNow(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* RefundService::GetPolicyBundle(
    grpc::CallbackServerContext* context,
    const v1::GetPolicyBundleRequest* request, v1::PolicyBundleInfo* response) {
  absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, ServiceMethod::kGetPolicyBundle);
  if (!caller.ok()) return FinishNow(context, caller.status());
  std::shared_ptr<const ActiveBundle> active = bundles_.Get();
  if (active == nullptr) return FinishNow(context, NoBundle());
  FillBundleInfo(*active, request->shop_id(), response);
  return FinishNow(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* RefundService::ValidatePolicyBundle(
    grpc::CallbackServerContext* context,
    const v1::ValidatePolicyBundleRequest* request,
    v1::ValidatePolicyBundleResponse* response) {
  absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, ServiceMethod::kValidatePolicyBundle);
  if (!caller.ok()) return FinishNow(context, caller.status());
  const v1::PolicyBundleSource& candidate = request->candidate();
  std::shared_ptr<const ActiveBundle> active = bundles_.Get();
  if (!request->shop_id().empty() && active == nullptr) {
    return FinishNow(context, NoBundle());
  }
  if (candidate.files_size() == 0 && candidate.directory().empty()) {
    return FinishNow(context,
                     absl::InvalidArgumentError(
                         "candidate: give files or a directory to validate"));
  }
  absl::StatusOr<AuditSlot> slot = audit_pool_.Admit(AuditCallKind::kValidate);
  if (!slot.ok()) return FinishNow(context, slot.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  audit_pool_.Run(AuditCallKind::kValidate,
                  [this, reactor, request, response, active = std::move(active),
                   slot = *std::move(slot)]() mutable {
                    const absl::Status status = ValidateCandidate(
                        *request, candidate_root_,
                        active != nullptr ? active->bundle : nullptr,
                        *response);
                    slot.Release();
                    reactor->Finish(ToGrpcStatus(status));
                  });
  return reactor;
}

grpc::ServerUnaryReactor* RefundService::ReloadPolicies(
    grpc::CallbackServerContext* context,
    const v1::ReloadPoliciesRequest* request, v1::PolicyBundleInfo* response) {
  absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, ServiceMethod::kReloadPolicies);
  if (!caller.ok()) return FinishNow(context, caller.status());
  absl::StatusOr<std::shared_ptr<const ActiveBundle>> active =
      request->shop_id().empty()
          ? reloader_.Reload(ReloadSource::kRpc)
          : reloader_.ReloadShop(request->shop_id(), ReloadSource::kRpc);
  if (active.ok()) {
    FillBundleInfo(**active, request->shop_id(), response);
    if (request->shop_id().empty() && !(*active)->layer_issues.empty()) {
      response->set_refused_layers((*active)->layer_issues);
    }
  }
  return FinishNow(context, active.status());
}

grpc::ServerWriteReactor<v1::ReplayResult>* RefundService::Replay(
    grpc::CallbackServerContext* context, const v1::ReplayRequest* request) {
  absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, ServiceMethod::kReplay);
  if (!caller.ok()) return ReplayReactor::Refuse(caller.status());
  absl::StatusOr<AuditSlot> slot = audit_pool_.Admit(AuditCallKind::kReplay);
  if (!slot.ok()) return ReplayReactor::Refuse(slot.status());
  return new ReplayReactor(
      audit_pool_, *std::move(slot),
      [this, request, caller = *std::move(caller)]()
          -> absl::StatusOr<std::unique_ptr<DecisionReplayer>> {
        absl::StatusOr<ReplayOptions> options =
            ReplayOptionsFromRequest(*request, bundle_cache_, candidate_root_);
        if (!options.ok()) return options.status();
        options->filter.scope = caller.scope();
        options->page_size = kServerReplayPageSize;
        return std::make_unique<DecisionReplayer>(log_, bundle_cache_,
                                                  *std::move(options));
      });
}

grpc::ServerUnaryReactor* RefundService::VerifyDecisionLog(
    grpc::CallbackServerContext* context,
    const v1::VerifyDecisionLogRequest* request,
    v1::VerifyDecisionLogResponse* response) {
  absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, ServiceMethod::kVerifyDecisionLog);
  if (!caller.ok()) return FinishNow(context, caller.status());
  absl::StatusOr<VerifyOptions> options = VerifyOptionsOf(*request);
  if (!options.ok()) return FinishNow(context, options.status());
  absl::StatusOr<AuditSlot> slot = audit_pool_.Admit(AuditCallKind::kVerify);
  if (!slot.ok()) return FinishNow(context, slot.status());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  audit_pool_.Run(AuditCallKind::kVerify,
                  [this, context, reactor, options = *std::move(options),
                   response, slot = *std::move(slot)]() mutable {
                    const absl::Status status =
                        Verify(log_, options, *context, *response);
                    slot.Release();
                    reactor->Finish(ToGrpcStatus(status));
                  });
  return reactor;
}

grpc::ServerUnaryReactor* RefundService::GetCheckpoint(
    grpc::CallbackServerContext* context,
    const v1::GetCheckpointRequest* /*request*/, v1::LogCheckpoint* response) {
  absl::StatusOr<Caller> caller =
      authorizer_.Authorize(*context, ServiceMethod::kGetCheckpoint);
  if (!caller.ok()) return FinishNow(context, caller.status());
  if (checkpoints_ == nullptr) {
    return FinishNow(context,
                     absl::FailedPreconditionError(
                         "this server signs no checkpoints (start it with "
                         "--checkpoint_key)"));
  }
  absl::StatusOr<SignedHead> head = checkpoints_->Sign();
  if (!head.ok()) return FinishNow(context, head.status());
  const LogCheckpoint& checkpoint = head->checkpoint;
  response->set_note(head->note);
  response->set_origin(checkpoint.origin);
  response->set_seq(checkpoint.seq);
  response->set_row_hash(ToHex(checkpoint.row_hash));
  *response->mutable_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(checkpoint.time));
  response->set_key_name(checkpoints_->signer().key_name());
  response->set_key_id(ToHex(checkpoints_->signer().key_id()));
  return FinishNow(context, absl::OkStatus());
}

}  // namespace refund::server

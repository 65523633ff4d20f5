// Who is calling, and may they: the check at the top of every RPC of the
// service. The caller is the principal of the access policy
// (server/access/access_policy.h) that its bearer token or, without one, its
// verified client certificate names; its roles say which RPCs it may call
// (server/access/service_method.h) and its shops which decisions it may
// make and read. Refusals are counted and logged
// (server/access/refused_call_log.h).
#ifndef SERVER_GRPC_CALL_AUTHORIZER_H_
#define SERVER_GRPC_CALL_AUTHORIZER_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server_context.h"
#include "server/access/access_policy.h"
#include "server/access/refused_call_log.h"
#include "server/access/service_method.h"
#include "server/log/shop_scope.h"

namespace refund::server {

// The caller of one call, once authorized. Keeps the policy it was found in
// alive for the call, so that a reload meanwhile changes nothing under it.
class Caller {
 public:
  // Without an access policy: anyone, every shop.
  Caller() = default;
  Caller(std::shared_ptr<const AccessPolicy> policy,
         const AccessPrincipal* principal)
      : policy_(std::move(policy)), principal_(principal) {}

  // The principal's name; "" without an access policy.
  absl::string_view name() const;
  // The shops it may decide and read for.
  const ShopScope& scope() const;

 private:
  std::shared_ptr<const AccessPolicy> policy_;
  const AccessPrincipal* principal_ = nullptr;
};

// Thread-safe.
class CallAuthorizer {
 public:
  // `policy` null: no access policy, every call is allowed (the server's
  // start-up rules keep that to loopback or an explicit --insecure).
  // `refusals` must outlive this.
  CallAuthorizer(std::shared_ptr<const AccessPolicy> policy,
                 RefusedCallLog& refusals);

  // Replaces the policy (a reload); calls already authorized keep theirs.
  void SetPolicy(std::shared_ptr<const AccessPolicy> policy)
      ABSL_LOCKS_EXCLUDED(mu_);
  bool has_policy() const ABSL_LOCKS_EXCLUDED(mu_);

  // The caller of `context`, if it may call `method`:
  // - UNAUTHENTICATED: an `authorization` header that is not a known bearer
  //   token (a token, when sent, decides: a certificate does not make up for
  //   a wrong one); no header and no client certificate of a known
  //   principal; a certificate that matches two principals;
  // - PERMISSION_DENIED: none of the principal's roles may call `method`,
  //   or `method` reads every shop (ReadsEveryShop) and the principal is
  //   limited to some.
  // A refusal is counted and logged before it is returned.
  absl::StatusOr<Caller> Authorize(const grpc::ServerContextBase& context,
                                   ServiceMethod method)
      ABSL_LOCKS_EXCLUDED(mu_);

  // For a request that names its shop (Decide, an inline SuggestActions):
  // PERMISSION_DENIED naming `field` when `shop_id` is outside the caller's
  // shops, counted and logged.
  absl::Status CheckShop(const grpc::ServerContextBase& context,
                         const Caller& caller, ServiceMethod method,
                         absl::string_view field, absl::string_view shop_id);

 private:
  absl::Status Refuse(const grpc::ServerContextBase& context,
                      ServiceMethod method, absl::string_view principal,
                      absl::Status status);
  std::shared_ptr<const AccessPolicy> policy() const ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  std::shared_ptr<const AccessPolicy> policy_ ABSL_GUARDED_BY(mu_);
  RefusedCallLog& refusals_;
};

}  // namespace refund::server

#endif  // SERVER_GRPC_CALL_AUTHORIZER_H_

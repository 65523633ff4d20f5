#include "server/grpc/call_authorizer.h"

#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"
#include "server/access/bearer_token.h"

namespace refund::server {
namespace {

std::string ToString(grpc::string_ref value) {
  return std::string(value.data(), value.size());
}

// The names of the caller's verified client certificate; empty without one.
CertificateNames CertificateNamesOf(const grpc::ServerContextBase& context) {
  CertificateNames names;
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return names;
  for (grpc::string_ref uri :
       auth->FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
    names.uri_sans.push_back(ToString(uri));
  }
  for (grpc::string_ref dns :
       auth->FindPropertyValues(GRPC_PEER_DNS_PROPERTY_NAME)) {
    names.dns_sans.push_back(ToString(dns));
  }
  for (grpc::string_ref cn :
       auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME)) {
    names.common_name = ToString(cn);
  }
  return names;
}

std::string Describe(const CertificateNames& names) {
  std::vector<std::string> parts;
  for (const std::string& uri : names.uri_sans) {
    parts.push_back(absl::StrCat("uri_san=", uri));
  }
  for (const std::string& dns : names.dns_sans) {
    parts.push_back(absl::StrCat("dns_san=", dns));
  }
  if (!names.common_name.empty()) {
    parts.push_back(absl::StrCat("common_name=", names.common_name));
  }
  return absl::StrJoin(parts, " ");
}

const ShopScope& EveryShop() {
  static const ShopScope* const kAll = new ShopScope(ShopScope::All());
  return *kAll;
}

}  // namespace

absl::string_view Caller::name() const {
  return principal_ == nullptr ? absl::string_view() : principal_->name;
}

const ShopScope& Caller::scope() const {
  return principal_ == nullptr ? EveryShop() : principal_->scope;
}

CallAuthorizer::CallAuthorizer(std::shared_ptr<const AccessPolicy> policy,
                               RefusedCallLog& refusals)
    : policy_(std::move(policy)), refusals_(refusals) {}

void CallAuthorizer::SetPolicy(std::shared_ptr<const AccessPolicy> policy) {
  absl::MutexLock lock(&mu_);
  policy_ = std::move(policy);
}

bool CallAuthorizer::has_policy() const { return policy() != nullptr; }

std::shared_ptr<const AccessPolicy> CallAuthorizer::policy() const {
  absl::MutexLock lock(&mu_);
  return policy_;
}

absl::Status CallAuthorizer::Refuse(const grpc::ServerContextBase& context,
                                    ServiceMethod method,
                                    absl::string_view principal,
                                    absl::Status status) {
  const std::string peer = context.peer();
  refusals_.Record({FullMethodName(method), principal, peer, status.code(),
                    status.message()});
  return status;
}

absl::StatusOr<Caller> CallAuthorizer::Authorize(
    const grpc::ServerContextBase& context, ServiceMethod method) {
  std::shared_ptr<const AccessPolicy> current = policy();
  if (current == nullptr) return Caller();

  const AccessPrincipal* principal = nullptr;
  const auto& metadata = context.client_metadata();
  const auto [first, last] = metadata.equal_range("authorization");
  if (first != last) {
    if (std::next(first) != last) {
      return Refuse(context, method, "",
                    absl::UnauthenticatedError(
                        "authorization: more than one header was sent"));
    }
    const grpc::string_ref header = first->second;
    absl::StatusOr<absl::string_view> token = TokenFromAuthorizationHeader(
        absl::string_view(header.data(), header.size()));
    if (!token.ok()) return Refuse(context, method, "", token.status());
    principal = current->FindByToken(*token);
    if (principal == nullptr) {
      return Refuse(context, method, "",
                    absl::UnauthenticatedError(
                        "authorization: the bearer token is not known"));
    }
  } else {
    const CertificateNames names = CertificateNamesOf(context);
    absl::StatusOr<const AccessPrincipal*> found =
        current->FindByCertificate(names);
    if (!found.ok()) return Refuse(context, method, "", found.status());
    principal = *found;
    if (principal == nullptr) {
      const std::string described = Describe(names);
      return Refuse(
          context, method, "",
          absl::UnauthenticatedError(
              described.empty()
                  ? "no credentials: give a client certificate of a known "
                    "principal or a bearer token"
                  : absl::StrCat("the client certificate (", described,
                                 ") is not a known principal")));
    }
  }

  if (!principal->MayCall(method)) {
    return Refuse(
        context, method, principal->name,
        absl::PermissionDeniedError(absl::StrCat(
            "principal \"", principal->name, "\" (", principal->RoleNames(),
            ") may not call ", MethodName(method))));
  }
  if (ReadsEveryShop(method) && !principal->scope.all()) {
    return Refuse(
        context, method, principal->name,
        absl::PermissionDeniedError(absl::StrCat(
            "principal \"", principal->name, "\" is limited to some shops; ",
            MethodName(method), " reports on every shop's decisions")));
  }
  return Caller(std::move(current), principal);
}

absl::Status CallAuthorizer::CheckShop(const grpc::ServerContextBase& context,
                                       const Caller& caller,
                                       ServiceMethod method,
                                       absl::string_view field,
                                       absl::string_view shop_id) {
  if (caller.scope().Contains(shop_id)) return absl::OkStatus();
  return Refuse(context, method, caller.name(),
                absl::PermissionDeniedError(
                    absl::StrCat(field, ": principal \"", caller.name(),
                                 "\" may not act for shop \"", shop_id, "\"")));
}

}  // namespace refund::server

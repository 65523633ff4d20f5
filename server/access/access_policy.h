// The access policy (refund-server --access_policy): the principals that may
// call the service, how each is recognised (a client certificate's names or
// a bearer token's hash), its roles and its shops. The file is a text-format
// refund.v1.AccessPolicy (proto/refund/v1/access.proto); the table of which
// role may call which RPC is server/access/service_method.h.
#ifndef SERVER_ACCESS_ACCESS_POLICY_H_
#define SERVER_ACCESS_ACCESS_POLICY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "refund/v1/access.pb.h"
#include "server/access/service_method.h"
#include "server/log/shop_scope.h"

namespace refund::server {

// At most this many shops per principal (each is a bound parameter of a
// store query).
inline constexpr int kMaxShopsPerPrincipal = 10000;
// The access policy file is read whole; larger ones are refused.
inline constexpr int64_t kMaxAccessPolicyBytes = 16 << 20;

// One principal of the policy, as the server uses it.
struct AccessPrincipal {
  std::string name;
  std::vector<v1::Role> roles;
  ShopScope scope = ShopScope::All();

  // Whether one of its roles may call `method`.
  bool MayCall(ServiceMethod method) const;
  // "oms+agent".
  std::string RoleNames() const;
};

// What a verified client certificate says about its holder (gRPC's
// auth context: peer_uri, peer_dns, x509_common_name).
struct CertificateNames {
  std::vector<std::string> uri_sans;
  std::vector<std::string> dns_sans;
  std::string common_name;
};

// Immutable once built; every method is const and thread-safe.
class AccessPolicy {
 public:
  // Parses and checks a policy text. INVALID_ARGUMENT listing every problem
  // at once, one per line, each starting with `file_name`, e.g.
  //   access.textproto:12:5: Expected identifier, got: }
  //   access.textproto: principals[2] "oms-b": give shops or all_shops: true
  static absl::StatusOr<std::shared_ptr<const AccessPolicy>> Parse(
      absl::string_view text, absl::string_view file_name);

  // Reads `path` and parses it. INVALID_ARGUMENT naming the path when it
  // cannot be read or is larger than kMaxAccessPolicyBytes.
  static absl::StatusOr<std::shared_ptr<const AccessPolicy>> Load(
      const std::string& path);

  // The principal whose certificate match the names satisfy; nullptr when
  // none does. Two principals that both match are ambiguous:
  // UNAUTHENTICATED naming both (the load refuses identical matches, not
  // overlapping ones, such as one by URI and one by CN).
  absl::StatusOr<const AccessPrincipal*> FindByCertificate(
      const CertificateNames& names) const;

  // The principal whose token_sha256 is the hash of `token`; nullptr when
  // none is. The token is hashed, the principals whose hash starts with the
  // same 8 bytes are looked up, and each one's whole hash is compared in
  // constant time (CRYPTO_memcmp). Timing can tell at most whether some
  // stored hash shares SHA-256(token)'s first bytes, which says nothing of
  // any token; the cost does not grow with the number of tokens.
  const AccessPrincipal* FindByToken(absl::string_view token) const;

  int principal_count() const { return static_cast<int>(principals_.size()); }

 private:
  struct CertificateRule {
    v1::CertificateMatch match;
    int principal = 0;
  };
  struct TokenRule {
    std::string sha256;  // raw 32 bytes
    int principal = 0;
  };

  AccessPolicy() = default;

  std::vector<AccessPrincipal> principals_;
  std::vector<CertificateRule> certificate_rules_;
  // Certificate rules by the one name each is looked up under: its URI SAN
  // when it has one, else its DNS SAN, else its CN.
  absl::flat_hash_map<std::string, std::vector<int>> rules_by_uri_;
  absl::flat_hash_map<std::string, std::vector<int>> rules_by_dns_;
  absl::flat_hash_map<std::string, std::vector<int>> rules_by_cn_;
  // By the first 8 bytes of the raw SHA-256.
  absl::flat_hash_map<std::string, std::vector<TokenRule>> token_rules_;
};

}  // namespace refund::server

#endif  // SERVER_ACCESS_ACCESS_POLICY_H_

#include "server/access/access_policy.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/base/sha256.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace refund::server {
namespace {

using google::protobuf::TextFormat;

class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  CollectErrors(absl::string_view file_name, std::vector<std::string>& errors)
      : file_name_(file_name), errors_(errors) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(absl::StrCat(file_name_, ":", line + 1, ":", column + 1,
                                   ": ", message));
  }

 private:
  absl::string_view file_name_;
  std::vector<std::string>& errors_;
};

// How much of a token's hash indexes it (FindByToken).
constexpr size_t kTokenIndexBytes = 8;

bool IsNameCharacter(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("._@:/-").find(c) != absl::string_view::npos;
}

bool IsPrintableAscii(absl::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c > 0x20 && c < 0x7f; });
}

bool IsLowerHex(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

// What a certificate match must hold: each field that is set.
bool Satisfies(const CertificateNames& names,
               const v1::CertificateMatch& match) {
  auto has = [](const std::vector<std::string>& values,
                const std::string& value) {
    return std::find(values.begin(), values.end(), value) != values.end();
  };
  return (match.uri_san().empty() || has(names.uri_sans, match.uri_san())) &&
         (match.dns_san().empty() || has(names.dns_sans, match.dns_san())) &&
         (match.common_name().empty() ||
          names.common_name == match.common_name());
}

std::string MatchKey(const v1::CertificateMatch& match) {
  return absl::StrCat(match.uri_san().size(), ":", match.uri_san(),
                      match.dns_san().size(), ":", match.dns_san(),
                      match.common_name().size(), ":", match.common_name());
}

bool HasDecisionRole(const v1::Principal& principal) {
  for (int role : principal.roles()) {
    if (role == v1::ROLE_OMS || role == v1::ROLE_AGENT ||
        role == v1::ROLE_AUDITOR) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool AccessPrincipal::MayCall(ServiceMethod method) const {
  return std::any_of(roles.begin(), roles.end(), [method](v1::Role role) {
    return RoleMayCall(role, method);
  });
}

std::string AccessPrincipal::RoleNames() const {
  std::vector<absl::string_view> names;
  for (v1::Role role : roles) names.push_back(RoleName(role));
  return absl::StrJoin(names, "+");
}

absl::StatusOr<std::shared_ptr<const AccessPolicy>> AccessPolicy::Parse(
    absl::string_view text, absl::string_view file_name) {
  std::vector<std::string> errors;
  v1::AccessPolicy file;
  TextFormat::ParseInfoTree tree;
  {
    CollectErrors collector(file_name, errors);
    TextFormat::Parser parser;
    parser.RecordErrorsTo(&collector);
    parser.WriteLocationsTo(&tree);
    // ParseFromString takes a std::string (protobuf 3.21).
    if (!parser.ParseFromString(std::string(text), &file)) {
      if (errors.empty()) {
        errors.push_back(absl::StrCat(
            file_name, ": not valid text format for refund.v1.AccessPolicy"));
      }
      return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
    }
  }

  auto policy = std::shared_ptr<AccessPolicy>(new AccessPolicy());
  const google::protobuf::FieldDescriptor* principals_field =
      v1::AccessPolicy::descriptor()->FindFieldByName("principals");
  absl::flat_hash_set<std::string> names;
  absl::flat_hash_set<std::string> token_hashes;
  absl::flat_hash_set<std::string> match_keys;
  for (int i = 0; i < file.principals_size(); ++i) {
    const v1::Principal& principal = file.principals(i);
    const TextFormat::ParseLocation where =
        tree.GetLocation(principals_field, i);
    const std::string prefix = absl::StrCat(
        file_name, ":", where.line + 1, ":", where.column + 1, ": principals[",
        i, "] \"", absl::CHexEscape(principal.name()), "\": ");
    const size_t errors_before = errors.size();
    auto error = [&](absl::string_view message) {
      errors.push_back(absl::StrCat(prefix, message));
    };

    if (principal.name().empty() || principal.name().size() > 128 ||
        !std::all_of(principal.name().begin(), principal.name().end(),
                     IsNameCharacter)) {
      error("name: 1 to 128 of [A-Za-z0-9._@:/-]");
    } else if (!names.insert(principal.name()).second) {
      error("name: another principal has this name");
    }

    if (principal.roles().empty()) error("roles: give at least one role");
    std::vector<v1::Role> roles;
    for (int role : principal.roles()) {
      if (role == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(role)) {
        error("roles: ROLE_UNSPECIFIED is not a role");
      } else if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
        roles.push_back(static_cast<v1::Role>(role));
      }
    }

    if (principal.all_shops() && principal.shops_size() > 0) {
      error("give shops or all_shops: true, not both");
    } else if (HasDecisionRole(principal) && !principal.all_shops() &&
               principal.shops().empty()) {
      error(
          "give shops (the shops it may decide and read for) or "
          "all_shops: true");
    }
    if (principal.shops_size() > kMaxShopsPerPrincipal) {
      error(absl::StrCat("shops: at most ", kMaxShopsPerPrincipal));
    }
    for (const std::string& shop : principal.shops()) {
      if (shop.empty() || shop.size() > 128 || !IsPrintableAscii(shop)) {
        error(absl::StrCat("shops: \"", absl::CHexEscape(shop),
                           "\" is not a shop id (1 to 128 printable ASCII "
                           "characters)"));
      }
    }

    const bool has_certificate = principal.has_certificate();
    const bool has_token = !principal.token_sha256().empty();
    if (has_certificate == has_token) {
      error("give one of certificate or token_sha256");
    }
    if (has_certificate) {
      const v1::CertificateMatch& match = principal.certificate();
      if (match.uri_san().empty() && match.dns_san().empty() &&
          match.common_name().empty()) {
        error("certificate: give uri_san, dns_san or common_name");
      } else if (!match_keys.insert(MatchKey(match)).second) {
        error("certificate: another principal has the same match");
      }
    }
    std::string token_hash;
    if (has_token) {
      if (principal.token_sha256().size() != 64 ||
          !IsLowerHex(principal.token_sha256())) {
        error(
            "token_sha256: 64 lower-case hex digits (`refundctl hash-token`)");
      } else if (!token_hashes.insert(principal.token_sha256()).second) {
        error("token_sha256: another principal has the same token");
      } else {
        token_hash = absl::HexStringToBytes(principal.token_sha256());
      }
    }
    if (errors.size() != errors_before) continue;

    const int index = static_cast<int>(policy->principals_.size());
    AccessPrincipal out;
    out.name = principal.name();
    out.roles = std::move(roles);
    out.scope = principal.all_shops() || !HasDecisionRole(principal)
                    ? ShopScope::All()
                    : ShopScope::Only(std::vector<std::string>(
                          principal.shops().begin(), principal.shops().end()));
    policy->principals_.push_back(std::move(out));
    if (has_certificate) {
      const v1::CertificateMatch& match = principal.certificate();
      const int rule = static_cast<int>(policy->certificate_rules_.size());
      policy->certificate_rules_.push_back({match, index});
      if (!match.uri_san().empty()) {
        policy->rules_by_uri_[match.uri_san()].push_back(rule);
      } else if (!match.dns_san().empty()) {
        policy->rules_by_dns_[match.dns_san()].push_back(rule);
      } else {
        policy->rules_by_cn_[match.common_name()].push_back(rule);
      }
    } else {
      std::string prefix = token_hash.substr(0, kTokenIndexBytes);
      policy->token_rules_[prefix].push_back({std::move(token_hash), index});
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  return std::shared_ptr<const AccessPolicy>(std::move(policy));
}

absl::StatusOr<std::shared_ptr<const AccessPolicy>> AccessPolicy::Load(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("access policy ", path, ": cannot be read"));
  }
  std::string text;
  char buffer[64 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (static_cast<int64_t>(text.size()) > kMaxAccessPolicyBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("access policy ", path, ": larger than ",
                       kMaxAccessPolicyBytes >> 20, " MiB"));
    }
  }
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("access policy ", path, ": cannot be read"));
  }
  return Parse(text, path);
}

absl::StatusOr<const AccessPrincipal*> AccessPolicy::FindByCertificate(
    const CertificateNames& names) const {
  std::set<int> matched;  // principal indexes, ordered for the message
  auto try_rules =
      [&](const absl::flat_hash_map<std::string, std::vector<int>>& index,
          const std::string& key) {
        auto found = index.find(key);
        if (found == index.end()) return;
        for (int rule : found->second) {
          if (Satisfies(names, certificate_rules_[rule].match)) {
            matched.insert(certificate_rules_[rule].principal);
          }
        }
      };
  for (const std::string& uri : names.uri_sans) try_rules(rules_by_uri_, uri);
  for (const std::string& dns : names.dns_sans) try_rules(rules_by_dns_, dns);
  if (!names.common_name.empty()) try_rules(rules_by_cn_, names.common_name);
  if (matched.empty()) return nullptr;
  if (matched.size() > 1) {
    std::vector<std::string> both;
    for (int index : matched) both.push_back(principals_[index].name);
    return absl::UnauthenticatedError(
        absl::StrCat("the client certificate matches more than one principal (",
                     absl::StrJoin(both, ", "), ")"));
  }
  return &principals_[*matched.begin()];
}

const AccessPrincipal* AccessPolicy::FindByToken(
    absl::string_view token) const {
  const std::string hash = Sha256(token);
  auto candidates = token_rules_.find(hash.substr(0, kTokenIndexBytes));
  if (candidates == token_rules_.end()) return nullptr;
  const AccessPrincipal* found = nullptr;
  for (const TokenRule& rule : candidates->second) {
    const bool same =
        CRYPTO_memcmp(rule.sha256.data(), hash.data(), kSha256Size) == 0;
    if (same) found = &principals_[rule.principal];
  }
  return found;
}

}  // namespace refund::server

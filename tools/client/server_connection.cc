#include "tools/client/server_connection.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "tools/client/bearer_token.h"

namespace refund::client {
namespace {

// Certificates and keys are a few KB.
constexpr std::streamsize kMaxPemBytes = 1 << 20;

// The content of the PEM file given as --`flag`.
absl::StatusOr<std::string> ReadPem(absl::string_view flag,
                                    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::string content(static_cast<size_t>(kMaxPemBytes) + 1, '\0');
  in.read(content.data(), kMaxPemBytes + 1);
  content.resize(static_cast<size_t>(in.gcount()));
  if (in.bad() || content.size() > static_cast<size_t>(kMaxPemBytes) ||
      !absl::StrContains(content, "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", path, ": not a PEM file"));
  }
  return content;
}

absl::Status CheckFlags(const ChannelOptions& options) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError(
        "the server's address (HOST:PORT) is "
        "missing");
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError(
        options.tls_cert.empty()
            ? "--tls_key: given without --tls_cert (this client's certificate)"
            : "--tls_cert: given without --tls_key (its private key)");
  }
  if (options.tls_ca.empty() && !options.tls_cert.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert: a client certificate needs TLS; give --tls_ca (the CA "
        "that signed the server's certificate)");
  }
  if (options.tls_ca.empty() && !options.tls_server_name.empty()) {
    return absl::InvalidArgumentError(
        "--tls_server_name: only with TLS; give --tls_ca (the CA that signed "
        "the server's certificate)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServerConnection> ServerConnection::Open(
    const ChannelOptions& options) {
  if (absl::Status flags = CheckFlags(options); !flags.ok()) return flags;
  ServerConnection connection;
  connection.address_ = options.address;
  if (!options.token_file.empty()) {
    absl::StatusOr<std::string> token = ReadBearerToken(options.token_file);
    if (!token.ok()) return token.status();
    connection.authorization_ = absl::StrCat("Bearer ", *token);
  }
  if (options.tls_ca.empty()) {
    connection.credentials_ = grpc::InsecureChannelCredentials();
    return connection;
  }
  absl::StatusOr<std::string> ca = ReadPem("tls_ca", options.tls_ca);
  if (!ca.ok()) return ca.status();
  std::vector<grpc::experimental::IdentityKeyCertPair> identity;
  if (!options.tls_cert.empty()) {
    absl::StatusOr<std::string> cert = ReadPem("tls_cert", options.tls_cert);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem("tls_key", options.tls_key);
    if (!key.ok()) return key.status();
    identity.push_back({*std::move(key), *std::move(cert)});
  }
  const bool has_identity = !identity.empty();
  auto provider =
      std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
          *ca, identity);
  grpc::experimental::TlsChannelCredentialsOptions tls;
  tls.set_certificate_provider(std::move(provider));
  tls.watch_root_certs();
  if (has_identity) tls.watch_identity_key_cert_pairs();
  // The server's certificate must chain to the CA and name the host (or
  // --tls_server_name): gRPC's default verifier on the client side.
  tls.set_verify_server_certs(true);
  connection.credentials_ = grpc::experimental::TlsCredentials(tls);
  if (connection.credentials_ == nullptr) {
    return absl::InvalidArgumentError("--tls_ca: gRPC refused the TLS options");
  }
  connection.tls_ = true;
  connection.server_name_ = options.tls_server_name;
  return connection;
}

std::string ServerConnection::target() const {
  // A list needs a scheme whose resolver takes several addresses; a target
  // that has one already is the caller's.
  if (!absl::StrContains(address_, ',') || absl::StrContains(address_, ":/") ||
      absl::StartsWith(address_, "ipv4:") ||
      absl::StartsWith(address_, "ipv6:")) {
    return address_;
  }
  return absl::StrCat(absl::StartsWith(address_, "[") ? "ipv6:" : "ipv4:",
                      address_);
}

std::shared_ptr<grpc::Channel> ServerConnection::NewChannel(
    grpc::ChannelArguments arguments) const {
  if (!server_name_.empty()) arguments.SetSslTargetNameOverride(server_name_);
  // With one address this is pick_first's behaviour; with several (a list,
  // or a name with several addresses) calls go to each in turn.
  arguments.SetLoadBalancingPolicyName("round_robin");
  return grpc::CreateCustomChannel(target(), credentials_, arguments);
}

void ServerConnection::PrepareCall(grpc::ClientContext* context) const {
  if (!authorization_.empty()) {
    context->AddMetadata("authorization", authorization_);
  }
}

}  // namespace refund::client

#include "server/grpc/server_credentials.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "server/grpc/tls_files.h"

namespace refund::server {
namespace {

absl::Status FlagError(absl::string_view flag, const absl::Status& status) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": ", status.message()));
}

// Checks the flags together and the files one by one.
absl::Status CheckTlsOptions(const ServerTlsOptions& tls, bool insecure) {
  if (!tls.cert_file.empty() && tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert: given without --tls_key (the certificate's private key)");
  }
  if (tls.cert_file.empty() && !tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_key: given without --tls_cert (the server's certificate)");
  }
  if (tls.client_auth.has_value() && tls.client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_auth: given without --tls_client_ca (the CA that client "
        "certificates must chain to)");
  }
  if (tls.cert_file.empty()) {
    if (!tls.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls_client_ca: client certificates need TLS; give --tls_cert and "
          "--tls_key too");
    }
    return absl::OkStatus();
  }
  if (insecure) {
    return absl::InvalidArgumentError(
        "--insecure: given with --tls_cert; the listener is either TLS or "
        "plaintext");
  }
  if (tls.refresh_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "--tls_refresh_interval: at least 1s (the files are read again in "
        "whole seconds)");
  }
  if (absl::Status cert = CheckCertificateChain(tls.cert_file); !cert.ok()) {
    return FlagError("tls_cert", cert);
  }
  if (absl::Status key = CheckPrivateKey(tls.key_file, tls.cert_file);
      !key.ok()) {
    return FlagError("tls_key", key);
  }
  if (!tls.client_ca_file.empty()) {
    if (absl::Status ca = CheckCertificateBundle(tls.client_ca_file);
        !ca.ok()) {
      return FlagError("tls_client_ca", ca);
    }
  }
  return absl::OkStatus();
}

unsigned int WholeSeconds(absl::Duration duration) {
  const int64_t seconds = absl::ToInt64Seconds(duration);
  return static_cast<unsigned int>(
      std::clamp<int64_t>(seconds, 1, int64_t{24} * 3600));
}

}  // namespace

absl::StatusOr<ClientAuth> ParseClientAuth(absl::string_view text) {
  if (text == "require") return ClientAuth::kRequire;
  if (text == "optional") return ClientAuth::kOptional;
  return absl::InvalidArgumentError(absl::StrCat(
      "--tls_client_auth: \"", text, "\" is not one of require, optional"));
}

absl::string_view TransportSecurityName(TransportSecurity security) {
  switch (security) {
    case TransportSecurity::kPlaintext:
      return "off";
    case TransportSecurity::kTls:
      return "tls";
    case TransportSecurity::kMutualTls:
      return "mtls";
    case TransportSecurity::kOptionalMutualTls:
      return "mtls_optional";
  }
  return "?";
}

bool IsLoopbackHost(absl::string_view host) {
  if (absl::AsciiStrToLower(host) == "localhost") return true;
  std::string address(host);
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

std::string ListenHost(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  // "[::1]" alone (no port) keeps its last colon inside the brackets.
  if (colon == absl::string_view::npos ||
      (absl::EndsWith(listen, "]") && listen.front() == '[')) {
    return std::string(listen);
  }
  return std::string(listen.substr(0, colon));
}

absl::StatusOr<ListenerCredentials> MakeListenerCredentials(
    absl::string_view listen, const ServerTlsOptions& tls, bool insecure) {
  if (absl::Status checked = CheckTlsOptions(tls, insecure); !checked.ok()) {
    return checked;
  }
  ListenerCredentials listener;
  if (tls.cert_file.empty()) {
    if (!insecure && !IsLoopbackHost(ListenHost(listen))) {
      return absl::InvalidArgumentError(
          absl::StrCat("refusing to listen in plaintext on ", listen,
                       ": give --tls_cert and --tls_key, or --insecure"));
    }
    listener.credentials = grpc::InsecureServerCredentials();
    listener.security = TransportSecurity::kPlaintext;
    return listener;
  }
  namespace experimental = grpc::experimental;
  auto provider =
      std::make_shared<experimental::FileWatcherCertificateProvider>(
          tls.key_file, tls.cert_file, tls.client_ca_file,
          WholeSeconds(tls.refresh_interval));
  experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    listener.security = TransportSecurity::kTls;
  } else {
    options.watch_root_certs();
    const bool required =
        tls.client_auth.value_or(ClientAuth::kRequire) == ClientAuth::kRequire;
    options.set_cert_request_type(
        required ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                 : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
    listener.security = required ? TransportSecurity::kMutualTls
                                 : TransportSecurity::kOptionalMutualTls;
  }
  listener.credentials = experimental::TlsServerCredentials(options);
  if (listener.credentials == nullptr) {
    return absl::InvalidArgumentError(
        "--tls_cert: gRPC refused the TLS options");
  }
  return listener;
}

}  // namespace refund::server

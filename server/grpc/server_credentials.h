// What refund-server's listener speaks: TLS, mutual TLS, or plaintext when
// asked for, and plaintext by default only on a loopback address.
//
// TLS uses gRPC's TlsServerCredentials over a FileWatcherCertificateProvider:
// the certificate, its key and the client CA are read again from their files
// every `refresh_interval`, so a renewed certificate is served to new
// connections without a restart (established connections keep theirs). A
// pair that does not load at a refresh (a half-written file, a key that does
// not match) is logged by gRPC and the previous pair keeps serving. At start
// the files are checked here (server/grpc/tls_files.h), since the watcher
// would only log.
#ifndef SERVER_GRPC_SERVER_CREDENTIALS_H_
#define SERVER_GRPC_SERVER_CREDENTIALS_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/security/server_credentials.h"

namespace refund::server {

// With a client CA: whether a client must present a certificate.
enum class ClientAuth {
  // A client without a certificate from the client CA is refused in the
  // handshake.
  kRequire,
  // A certificate, if presented, must verify against the client CA; a client
  // without one still connects (it may authenticate otherwise, e.g. with a
  // bearer token that the service checks).
  kOptional,
};

// "require" or "optional"; INVALID_ARGUMENT naming --tls_client_auth
// otherwise.
absl::StatusOr<ClientAuth> ParseClientAuth(absl::string_view text);

struct ServerTlsOptions {
  // PEM files: the server's certificate (with its chain after it) and its
  // private key. Both or neither; neither: plaintext.
  std::string cert_file;
  std::string key_file;
  // PEM CA bundle that client certificates must chain to; empty: clients are
  // not asked for a certificate.
  std::string client_ca_file;
  // Only with `client_ca_file`; unset there means kRequire.
  std::optional<ClientAuth> client_auth;
  // How often the files are read again (whole seconds, at least 1).
  absl::Duration refresh_interval = absl::Seconds(10);
};

// What a listener speaks, as the "listening on" line says it (tls=...).
enum class TransportSecurity {
  kPlaintext,          // "off"
  kTls,                // "tls"
  kMutualTls,          // "mtls": a client certificate is required
  kOptionalMutualTls,  // "mtls_optional": verified when presented
};
absl::string_view TransportSecurityName(TransportSecurity security);

struct ListenerCredentials {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  TransportSecurity security = TransportSecurity::kPlaintext;
};

// Whether the host of a listen address ("127.0.0.1", "[::1]", "localhost")
// is a loopback address: 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 or the name
// localhost. An empty host (":50051", every interface), a wildcard or any
// other name is not.
bool IsLoopbackHost(absl::string_view host);

// The host of "host:port" ("[::1]:0" -> "[::1]").
std::string ListenHost(absl::string_view listen);

// The credentials of a listener on `listen` (host:port) with `tls`; with no
// certificate, plaintext, which is refused on a non-loopback host unless
// `insecure`. INVALID_ARGUMENT, in one line naming the flag:
// - a non-loopback plaintext listen without `insecure`: "refusing to listen
//   in plaintext on 0.0.0.0:50051: give --tls_cert and --tls_key, or
//   --insecure";
// - --tls_cert without --tls_key or the reverse; --tls_client_auth without
//   --tls_client_ca; --tls_client_ca without a certificate; --insecure with
//   a certificate (contradictory);
// - a file that cannot be read or is not what it should be, a key that is
//   not the certificate's, an expired certificate; a refresh interval under
//   one second.
// The files are read in the calling thread; the returned credentials start
// a watcher thread of gRPC's that reads them again every refresh interval.
absl::StatusOr<ListenerCredentials> MakeListenerCredentials(
    absl::string_view listen, const ServerTlsOptions& tls, bool insecure);

}  // namespace refund::server

#endif  // SERVER_GRPC_SERVER_CREDENTIALS_H_

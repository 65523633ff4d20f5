// Checks, with OpenSSL, that the PEM files a TLS listener is started with
// load: gRPC's certificate file watcher only logs a file it cannot use and
// then serves no handshake at all, so the server checks them itself at start
// and refuses to run with a clear reason.
#ifndef SERVER_GRPC_TLS_FILES_H_
#define SERVER_GRPC_TLS_FILES_H_

#include <string>

#include "absl/status/status.h"

namespace refund::server {

// OK when `path` holds one or more PEM certificates (the first is the
// server's own, the rest its chain) and the first has not expired.
// INVALID_ARGUMENT otherwise, saying which file and what is wrong (the
// message does not name a flag; the caller adds it). Thread-safe.
absl::Status CheckCertificateChain(const std::string& path);

// OK when `key_path` holds a PEM private key without a passphrase that is the
// key of the first certificate in `cert_path` (which the caller checked
// first); INVALID_ARGUMENT otherwise. Thread-safe.
absl::Status CheckPrivateKey(const std::string& key_path,
                             const std::string& cert_path);

// OK when `path` holds one or more PEM certificates (a CA bundle);
// INVALID_ARGUMENT otherwise. Thread-safe.
absl::Status CheckCertificateBundle(const std::string& path);

}  // namespace refund::server

#endif  // SERVER_GRPC_TLS_FILES_H_

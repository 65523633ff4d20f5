// How refundctl and refund-bench reach refund-server: the address and the
// same transport flags in both tools. With --tls_ca the channel speaks TLS
// and checks the server's certificate against that CA; --tls_cert and
// --tls_key add a client certificate (mutual TLS); --token_file adds a bearer
// token to every call (server_connection.h).
#ifndef TOOLS_CLIENT_CHANNEL_OPTIONS_H_
#define TOOLS_CLIENT_CHANNEL_OPTIONS_H_

#include <initializer_list>
#include <string>

namespace refund::client {

struct ChannelOptions {
  // host:port, or several replicas of the server as a comma-separated list
  // of IP addresses with their ports (`10.0.0.5:50051,10.0.0.6:50051`,
  // `[::1]:50051,[::1]:50052`), or any gRPC target (`dns:///refund.internal
  // :50051`, whose name may have several addresses). Calls are spread over
  // every address (gRPC's round_robin), and go on over the others when one
  // replica goes away.
  std::string address;
  // --tls_ca: PEM file of the CA(s) that signed the server's certificate.
  // Set: TLS; empty: plaintext (the server allows it on loopback, or when
  // started with --insecure).
  std::string tls_ca;
  // --tls_cert, --tls_key: PEM files of this client's certificate (its chain
  // after it) and private key, for a server that asks for one. Both or
  // neither; only with --tls_ca.
  std::string tls_cert;
  std::string tls_key;
  // --tls_server_name: the name the server's certificate must carry, when it
  // is not the host of `address` (e.g. a certificate for refund.internal
  // reached as 10.0.0.5:50051). Only with --tls_ca.
  std::string tls_server_name;
  // --token_file: a file holding a bearer token (one line; only its owner
  // may read it); every call then carries `authorization: Bearer <token>`.
  // Works over TLS and over plaintext.
  std::string token_file;
};

// The flag names of the fields other than the address, without "--".
inline constexpr std::initializer_list<const char*> kChannelFlags = {
    "tls_ca", "tls_cert", "tls_key", "tls_server_name", "token_file"};

// The flags for a usage text, one per line, each line indented by two spaces.
inline constexpr char kChannelFlagsUsage[] =
    "  --tls_ca=FILE           TLS: the CA that signed the server's "
    "certificate\n"
    "  --tls_cert=FILE --tls_key=FILE\n"
    "                          this client's certificate and key (mutual "
    "TLS)\n"
    "  --tls_server_name=NAME  the name the server's certificate carries, if "
    "not\n"
    "                          the address's host\n"
    "  --token_file=FILE       send `authorization: Bearer <the file's "
    "token>`\n";

}  // namespace refund::client

#endif  // TOOLS_CLIENT_CHANNEL_OPTIONS_H_

// Bearer tokens, for callers that cannot present a client certificate: the
// access policy keeps only their SHA-256 (never the token), and a call
// carries the token in `authorization: Bearer TOKEN`.
#ifndef SERVER_ACCESS_BEARER_TOKEN_H_
#define SERVER_ACCESS_BEARER_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace refund::server {

// Tokens shorter than this are refused by `refundctl hash-token`: a token is
// a random secret (e.g. `openssl rand -hex 32`), and a plain SHA-256 of it is
// safe to keep only because it cannot be guessed.
inline constexpr size_t kMinBearerTokenLength = 32;

// Lower-case hex SHA-256 of `token`: what the access policy's token_sha256
// holds.
std::string BearerTokenSha256Hex(absl::string_view token);

// The token of an `authorization` header value "Bearer TOKEN" (the scheme's
// case ignored, one or more spaces). UNAUTHENTICATED naming what is wrong
// for another scheme or an empty token.
absl::StatusOr<absl::string_view> TokenFromAuthorizationHeader(
    absl::string_view value);

}  // namespace refund::server

#endif  // SERVER_ACCESS_BEARER_TOKEN_H_

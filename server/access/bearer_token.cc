#include "server/access/bearer_token.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "engine/base/sha256.h"

namespace refund::server {

std::string BearerTokenSha256Hex(absl::string_view token) {
  return Sha256Hex(token);
}

absl::StatusOr<absl::string_view> TokenFromAuthorizationHeader(
    absl::string_view value) {
  constexpr absl::string_view kScheme = "bearer ";
  if (!absl::StartsWithIgnoreCase(value, kScheme)) {
    return absl::UnauthenticatedError(
        "authorization: only \"Bearer TOKEN\" is accepted");
  }
  value.remove_prefix(kScheme.size());
  absl::string_view token = absl::StripAsciiWhitespace(value);
  if (token.empty()) {
    return absl::UnauthenticatedError(
        "authorization: the bearer token is empty");
  }
  return token;
}

}  // namespace refund::server

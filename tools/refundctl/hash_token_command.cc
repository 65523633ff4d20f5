#include "tools/refundctl/hash_token_command.h"

#include <algorithm>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/access/bearer_token.h"
#include "tools/refundctl/json_io.h"

namespace refund {

int RunHashTokenCommand(const Args& args, std::ostream& out,
                        std::ostream& err) {
  if (args.positional.size() > 1) {
    err << "hash-token: give one token file (or - for standard input)\n";
    return 2;
  }
  const std::string path = args.positional.empty() ? "-" : args.positional[0];
  absl::StatusOr<std::string> read = ReadFileOrStdin(path);
  if (!read.ok()) {
    err << "hash-token: " << read.status().message() << "\n";
    return 1;
  }
  absl::string_view token = *read;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
    token.remove_suffix(1);
  }
  if (std::any_of(token.begin(), token.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
      })) {
    err << "hash-token: the token holds whitespace or control characters\n";
    return 1;
  }
  if (token.size() < server::kMinBearerTokenLength) {
    err << "hash-token: the token has " << token.size()
        << " characters; a token must be a random secret of at least "
        << server::kMinBearerTokenLength << " (e.g. `openssl rand -hex 32`)\n";
    return 1;
  }
  out << server::BearerTokenSha256Hex(token) << "\n";
  return 0;
}

}  // namespace refund

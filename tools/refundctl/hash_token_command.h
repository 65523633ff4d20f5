// `refundctl hash-token`: the SHA-256 of a bearer token, as the access
// policy's token_sha256 holds it (server/access/bearer_token.h).
#ifndef TOOLS_REFUNDCTL_HASH_TOKEN_COMMAND_H_
#define TOOLS_REFUNDCTL_HASH_TOKEN_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

// Reads the token from the file named by the one positional argument (or
// standard input for "-" or none), without its trailing line end, and prints
// its lower-case hex SHA-256 and a newline. Exit code 0; 1 when the file
// cannot be read or the token is shorter than kMinBearerTokenLength or holds
// whitespace or control characters; 2 on bad usage.
int RunHashTokenCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_HASH_TOKEN_COMMAND_H_

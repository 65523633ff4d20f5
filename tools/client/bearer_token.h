// Reads the bearer token a client sends with every call (--token_file).
#ifndef TOOLS_CLIENT_BEARER_TOKEN_H_
#define TOOLS_CLIENT_BEARER_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"

namespace refund::client {

// The token in the file at `path`: its content without trailing whitespace
// (a final newline, CRLF). INVALID_ARGUMENT naming --token_file when the file
// cannot be read, is not a regular file, can be read or written by its group
// or others (mode & 077: a secret kept like an SSH key), is larger than
// 16 KiB, is empty, or holds anything but visible ASCII (what an HTTP/2
// header value may carry; a token is one word). Thread-safe.
absl::StatusOr<std::string> ReadBearerToken(const std::string& path);

}  // namespace refund::client

#endif  // TOOLS_CLIENT_BEARER_TOKEN_H_

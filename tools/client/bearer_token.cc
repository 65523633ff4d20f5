#include "tools/client/bearer_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace refund::client {
namespace {

constexpr size_t kMaxTokenFileBytes = 16 * 1024;

absl::Status TokenError(const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("--token_file: ", path, ": ", what));
}

}  // namespace

absl::StatusOr<std::string> ReadBearerToken(const std::string& path) {
  // One descriptor for the checks and the read: the file checked is the one
  // read.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return TokenError(path, std::strerror(errno));
  struct stat info {};
  std::string content;
  absl::Status status;
  if (fstat(fd, &info) != 0) {
    status = TokenError(path, std::strerror(errno));
  } else if (!S_ISREG(info.st_mode)) {
    status = TokenError(path, "not a regular file");
  } else if ((info.st_mode & 077) != 0) {
    status = TokenError(
        path, absl::StrFormat("its group or others may read or write it "
                              "(mode %03o); chmod 600 it",
                              info.st_mode & 0777));
  } else if (static_cast<size_t>(info.st_size) > kMaxTokenFileBytes) {
    status = TokenError(path, "larger than 16 KiB, not a token");
  } else {
    content.resize(kMaxTokenFileBytes + 1);
    size_t size = 0;
    for (;;) {
      const ssize_t n = read(fd, content.data() + size, content.size() - size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = TokenError(path, std::strerror(errno));
        break;
      }
      if (n == 0 || size + static_cast<size_t>(n) >= content.size()) {
        size += static_cast<size_t>(n);
        break;
      }
      size += static_cast<size_t>(n);
    }
    content.resize(size);
    if (status.ok() && size > kMaxTokenFileBytes) {
      status = TokenError(path, "larger than 16 KiB, not a token");
    }
  }
  close(fd);
  if (!status.ok()) return status;
  absl::StripTrailingAsciiWhitespace(&content);
  if (content.empty()) return TokenError(path, "empty");
  for (const char c : content) {
    if (c < 0x21 || c > 0x7e) {
      return TokenError(path,
                        "holds a character that is not visible ASCII (a "
                        "token is one word, without spaces)");
    }
  }
  return content;
}

}  // namespace refund::client

#include "server/grpc/bind_check.h"

#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace refund::server {

std::string WhyCannotBind(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return "";
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  absl::string_view bare = host;
  if (absl::ConsumePrefix(&bare, "[") && absl::ConsumeSuffix(&bare, "]")) {
    host = std::string(bare);
  }
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints,
                  &found) != 0) {
    return absl::StrCat("the host ", host, " does not resolve");
  }
  std::string why;
  for (addrinfo* a = found; a != nullptr && why.empty(); a = a->ai_next) {
    const int fd =
        socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
      switch (errno) {
        case EADDRINUSE:
          why = "the port is taken (is another refund-server running?)";
          break;
        case EADDRNOTAVAIL:
          why = "the address is not one of this machine's";
          break;
        case EACCES:
          why = "permission denied (a port below 1024 needs privileges)";
          break;
        default:
          why = strerror(errno);
      }
    }
    close(fd);
  }
  freeaddrinfo(found);
  return why;
}

}  // namespace refund::server

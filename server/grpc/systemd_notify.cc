#include "server/grpc/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace refund::server {

absl::Status NotifySystemd(absl::string_view assignments) {
  const char* name = std::getenv("NOTIFY_SOCKET");
  if (name == nullptr || name[0] == '\0') return absl::OkStatus();
  const absl::string_view socket_name = name;
  if (socket_name[0] != '/' && socket_name[0] != '@') {
    return absl::InvalidArgumentError(
        absl::StrCat("NOTIFY_SOCKET=", socket_name,
                     ": neither an absolute path nor an abstract socket (@)"));
  }
  sockaddr_un address;
  std::memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  if (socket_name.size() > sizeof address.sun_path - 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("NOTIFY_SOCKET=", socket_name, ": too long"));
  }
  std::memcpy(address.sun_path, socket_name.data(), socket_name.size());
  // An abstract name has no terminating NUL: its length is the address's.
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';
  const socklen_t address_size = static_cast<socklen_t>(
      offsetof(sockaddr_un, sun_path) + socket_name.size() +
      (socket_name[0] == '/' ? 1 : 0));

  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("NOTIFY_SOCKET: socket: ", std::strerror(errno)));
  }
  const ssize_t sent =
      sendto(fd, assignments.data(), assignments.size(), MSG_NOSIGNAL,
             reinterpret_cast<const sockaddr*>(&address), address_size);
  const int send_errno = errno;
  close(fd);
  if (sent < 0) {
    return absl::UnavailableError(absl::StrCat(
        "NOTIFY_SOCKET=", socket_name, ": ", std::strerror(send_errno)));
  }
  if (static_cast<size_t>(sent) != assignments.size()) {
    return absl::UnavailableError(absl::StrCat("NOTIFY_SOCKET=", socket_name,
                                               ": short send of ",
                                               assignments.size(), " bytes"));
  }
  return absl::OkStatus();
}

absl::Status NotifyReady(absl::string_view status) {
  // One line: a line end would start another assignment.
  std::string line(status);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return NotifySystemd(absl::StrCat("READY=1\nSTATUS=", line));
}

absl::Status NotifyReloading() {
  // std::chrono::steady_clock is CLOCK_MONOTONIC on Linux.
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  return NotifySystemd(
      absl::StrCat("RELOADING=1\nMONOTONIC_USEC=", now.count()));
}

absl::Status NotifyStopping() { return NotifySystemd("STOPPING=1"); }

}  // namespace refund::server

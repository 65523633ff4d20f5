#include "server/log/sqlite/log_file_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace refund::server {
namespace {

// The pid the holder wrote, or empty when the file holds none.
std::string HolderPid(int fd) {
  char buffer[32] = {};
  const ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return "";
  int64_t pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(buffer), &pid) || pid <= 0) {
    return "";
  }
  return absl::StrCat(pid);
}

}  // namespace

std::string LogFileLock::LockPathFor(const std::string& log_path) {
  return log_path + ".lock";
}

absl::StatusOr<LogFileLock> LogFileLock::Acquire(const std::string& log_path,
                                                 int mode) {
  const std::string lock_path = LockPathFor(log_path);
  const int fd =
      open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot open the lock file ", lock_path, ": ", strerror(errno)));
  }
  int rc;
  do {
    rc = flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int error = errno;
    const std::string holder = HolderPid(fd);
    close(fd);
    if (error == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          log_path, " is in use by another process",
          holder.empty() ? "" : absl::StrCat(" (pid ", holder, ")"),
          ": one server writes a log file (the lock is ", lock_path, ")"));
    }
    return absl::UnavailableError(
        absl::StrCat("cannot lock ", lock_path, ": ", strerror(error)));
  }
  // For the next one's message; the lock does not depend on it.
  const std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd, 0) == 0) {
    (void)!pwrite(fd, pid.data(), pid.size(), 0);
  }
  return LogFileLock(fd);
}

LogFileLock::LogFileLock(LogFileLock&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

LogFileLock& LogFileLock::operator=(LogFileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

LogFileLock::~LogFileLock() {
  // Closing the only descriptor of the open file releases the flock.
  if (fd_ >= 0) close(fd_);
}

}  // namespace refund::server

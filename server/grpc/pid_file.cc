#include "server/grpc/pid_file.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace refund::server {
namespace {

std::string OwnPidLine() { return absl::StrCat(getpid(), "\n"); }

}  // namespace

absl::StatusOr<PidFile> PidFile::Write(const std::string& path) {
  const std::string temporary = absl::StrCat(path, ".", getpid(), ".tmp");
  const int fd =
      open(temporary.c_str(),
           O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("--pid_file: cannot write ", path, ": ", strerror(errno)));
  }
  const std::string line = OwnPidLine();
  const bool written =
      write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const int error = errno;
  close(fd);
  if (!written || rename(temporary.c_str(), path.c_str()) != 0) {
    const int why = written ? errno : error;
    unlink(temporary.c_str());
    return absl::UnavailableError(
        absl::StrCat("--pid_file: cannot write ", path, ": ", strerror(why)));
  }
  return PidFile(path);
}

PidFile::PidFile(PidFile&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

PidFile::~PidFile() {
  if (path_.empty()) return;
  std::ifstream in(path_);
  std::stringstream held;
  held << in.rdbuf();
  if (held.str() == OwnPidLine()) unlink(path_.c_str());
}

}  // namespace refund::server

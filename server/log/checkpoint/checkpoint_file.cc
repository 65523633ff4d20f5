#include "server/log/checkpoint/checkpoint_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace refund::server {
namespace {

absl::Status ErrnoError(int error, const std::string& what) {
  const std::string message = absl::StrCat(what, ": ", std::strerror(error));
  switch (error) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

// Closes a descriptor when it goes out of scope.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  // Closes now; the error of close(2), which can report a failed write.
  int Close() {
    const int result = close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

std::string FolderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::StatusOr<std::string> ReadCheckpointFile(const std::string& path) {
  // O_NONBLOCK: a FIFO put in the file's place does not block the open.
  Descriptor fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return ErrnoError(errno, path);
  struct stat info;
  if (fstat(fd.get(), &info) != 0) return ErrnoError(errno, path);
  if (!S_ISREG(info.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a regular file"));
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, path);
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > kMaxCheckpointFileBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than ", kMaxCheckpointFileBytes,
                       " bytes (not a checkpoint or a key)"));
    }
  }
  return text;
}

absl::Status WriteCheckpointFile(const std::string& path,
                                 absl::string_view text) {
  const std::string temporary = path + ".tmp";
  Descriptor fd(open(temporary.c_str(),
                     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                     0644));
  if (fd.get() < 0)
    return ErrnoError(errno, absl::StrCat("create ", temporary));
  auto fail = [&temporary](int error, const char* step) {
    unlink(temporary.c_str());
    return ErrnoError(error, absl::StrCat(step, " ", temporary));
  };
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n =
        write(fd.get(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, "write");
    written += static_cast<size_t>(n);
  }
  if (fsync(fd.get()) != 0) return fail(errno, "fsync");
  if (fd.Close() != 0) return fail(errno, "close");
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    return fail(errno, "rename into place");
  }
  // The rename is durable once the folder is synced.
  const std::string folder = FolderOf(path);
  Descriptor dir(open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return ErrnoError(errno, absl::StrCat("open ", folder));
  if (fsync(dir.get()) != 0) {
    return ErrnoError(errno, absl::StrCat("fsync ", folder));
  }
  return absl::OkStatus();
}

}  // namespace refund::server

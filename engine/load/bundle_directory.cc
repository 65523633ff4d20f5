#include "engine/load/bundle_directory.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"

namespace refund {
namespace {

namespace fs = std::filesystem;

constexpr char kPolicyExtension[] = ".textproto";
constexpr char kTestsFolder[] = "tests";

std::string Shown(const fs::path& relative) {
  return relative.empty() ? "." : relative.generic_string();
}

const char* KindOf(fs::file_type type) {
  switch (type) {
    case fs::file_type::directory:
      return "a folder";
    case fs::file_type::fifo:
      return "a FIFO";
    case fs::file_type::socket:
      return "a socket";
    case fs::file_type::block:
    case fs::file_type::character:
      return "a device";
    default:
      return "an unknown kind";
  }
}

const char* KindOfMode(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "an unknown kind";
}

absl::Status CannotRead(const fs::path& relative, int error_number) {
  return absl::FailedPreconditionError(
      absl::StrCat(Shown(relative), ": cannot be read (",
                   std::generic_category().message(error_number), ")"));
}

absl::Status CannotRead(const fs::path& relative,
                        const std::error_code& error) {
  return absl::FailedPreconditionError(absl::StrCat(
      Shown(relative), ": cannot be read (", error.message(), ")"));
}

// Closes its descriptor when it goes.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class DirectoryWalk {
 public:
  explicit DirectoryWalk(const DirectoryReadOptions& options)
      : options_(options), limits_(options.limits) {}

  // Reads the policy files of `folder` (shown as `relative`) and below.
  absl::Status Folder(const fs::path& folder, const fs::path& relative,
                      int depth);

  std::vector<BundleSourceFile> TakeFiles() { return std::move(files_); }

 private:
  absl::Status Entry(const fs::path& path, const fs::path& relative, int depth);
  absl::Status LinkedPolicyFile(const fs::path& path, const fs::path& relative);
  // Opens `path` (a link only when `follow`) and reads it if it is a regular
  // file.
  absl::Status PolicyFile(const fs::path& path, const fs::path& relative,
                          bool follow);
  absl::Status TooLarge(const fs::path& relative) const {
    return absl::ResourceExhaustedError(
        absl::StrCat(Shown(relative), ": the policy files come to more than ",
                     limits_.max_bytes, " bytes"));
  }

  const DirectoryReadOptions& options_;
  const DirectoryLimits& limits_;
  int64_t entries_ = 0;
  int64_t bytes_ = 0;
  std::vector<BundleSourceFile> files_;
};

absl::Status DirectoryWalk::Folder(const fs::path& folder,
                                   const fs::path& relative, int depth) {
  // The names first, sorted, so that which problem is reported first does
  // not depend on the order the file system lists them in.
  std::vector<fs::path> names;
  std::error_code error;
  fs::directory_iterator it(folder, error);
  const fs::directory_iterator end;
  for (; !error && it != end; it.increment(error)) {
    if (++entries_ > limits_.max_entries) {
      return absl::ResourceExhaustedError(
          absl::StrCat(Shown(relative), ": more than ", limits_.max_entries,
                       " entries in the folders walked"));
    }
    names.push_back(it->path().filename());
  }
  if (error) return CannotRead(relative, error);
  std::sort(names.begin(), names.end());
  for (const fs::path& name : names) {
    RETURN_IF_ERROR(Entry(folder / name, relative / name, depth));
  }
  return absl::OkStatus();
}

absl::Status DirectoryWalk::Entry(const fs::path& path,
                                  const fs::path& relative, int depth) {
  std::error_code error;
  const fs::file_status status = fs::symlink_status(path, error);
  if (error) return CannotRead(relative, error);
  if (fs::is_directory(status)) {
    if (relative.filename() == kTestsFolder) return absl::OkStatus();
    if (depth + 1 > limits_.max_depth) {
      return absl::ResourceExhaustedError(absl::StrCat(
          Shown(relative), ": more than ", limits_.max_depth, " folders deep"));
    }
    return Folder(path, relative, depth + 1);
  }
  if (relative.extension() != kPolicyExtension) return absl::OkStatus();
  if (fs::is_symlink(status)) return LinkedPolicyFile(path, relative);
  if (!fs::is_regular_file(status)) {
    // Never opened: opening a FIFO may block, a device may act on it.
    return absl::InvalidArgumentError(absl::StrCat(
        Shown(relative), ": not a regular file (", KindOf(status.type()), ")"));
  }
  return PolicyFile(path, relative, /*follow=*/false);
}

absl::Status DirectoryWalk::LinkedPolicyFile(const fs::path& path,
                                             const fs::path& relative) {
  std::error_code error;
  if (options_.confine_to.empty()) {
    const fs::file_status target = fs::status(path, error);
    if (error || !fs::exists(target)) {
      return absl::InvalidArgumentError(absl::StrCat(
          Shown(relative), ": a symbolic link that cannot be followed"));
    }
    if (!fs::is_regular_file(target)) {
      return absl::InvalidArgumentError(
          absl::StrCat(Shown(relative), ": a symbolic link to ",
                       KindOf(target.type()), ", not a regular file"));
    }
    return PolicyFile(path, relative, /*follow=*/true);
  }
  // Confined: whether the target is missing, unreadable, outside or not a
  // file, the answer is the same, so that it says nothing about the paths a
  // link names.
  const absl::Status refused = absl::InvalidArgumentError(
      absl::StrCat(Shown(relative),
                   ": a symbolic link that does not resolve to a regular "
                   "file under the root"));
  const fs::path target = fs::canonical(path, error);
  if (error || !IsPathWithin(target.string(), options_.confine_to))
    return refused;
  const fs::file_status status = fs::symlink_status(target, error);
  if (error || !fs::is_regular_file(status)) return refused;
  return PolicyFile(target, relative, /*follow=*/false);
}

absl::Status DirectoryWalk::PolicyFile(const fs::path& path,
                                       const fs::path& relative, bool follow) {
  if (static_cast<int64_t>(files_.size()) >= limits_.max_files) {
    return absl::ResourceExhaustedError(absl::StrCat(
        Shown(relative), ": more than ", limits_.max_files, " policy files"));
  }
  // O_NONBLOCK: should the file have been replaced by a FIFO since it was
  // looked at, opening it does not wait for a writer; fstat then refuses it.
  const int flags =
      O_RDONLY | O_NONBLOCK | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
  FileDescriptor fd(open(path.c_str(), flags));
  if (fd.get() < 0) return CannotRead(relative, errno);
  struct stat info;
  if (fstat(fd.get(), &info) != 0) return CannotRead(relative, errno);
  if (!S_ISREG(info.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(Shown(relative), ": not a regular file (",
                     KindOfMode(info.st_mode), ")"));
  }
  const int64_t room = limits_.max_bytes - bytes_;
  if (info.st_size > room) return TooLarge(relative);
  std::string content;
  content.reserve(static_cast<size_t>(info.st_size));
  // Read to the end rather than st_size bytes: a file may grow, and some
  // (in /proc) report size 0.
  char buffer[16384];
  for (;;) {
    const ssize_t n = read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return CannotRead(relative, errno);
    }
    if (n == 0) break;
    if (static_cast<int64_t>(content.size()) + n > room) {
      return TooLarge(relative);
    }
    content.append(buffer, static_cast<size_t>(n));
  }
  bytes_ += static_cast<int64_t>(content.size());
  files_.push_back({relative.generic_string(), std::move(content)});
  return absl::OkStatus();
}

}  // namespace

bool IsPathWithin(const std::string& path, const std::string& root) {
  const fs::path whole(path);
  const fs::path base(root);
  auto p = whole.begin();
  for (auto r = base.begin(); r != base.end(); ++r, ++p) {
    if (p == whole.end() || *p != *r) return false;
  }
  return true;
}

absl::StatusOr<std::vector<BundleSourceFile>> ReadBundleDirectory(
    const std::string& directory, const DirectoryReadOptions& options) {
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    return absl::NotFoundError("not a directory");
  }
  DirectoryWalk walk(options);
  RETURN_IF_ERROR(walk.Folder(directory, fs::path(), 0));
  std::vector<BundleSourceFile> files = walk.TakeFiles();
  std::sort(files.begin(), files.end(),
            [](const BundleSourceFile& a, const BundleSourceFile& b) {
              return a.path < b.path;
            });
  return files;
}

absl::StatusOr<std::vector<BundleSourceFile>> ReadBundleDirectory(
    const std::string& directory) {
  absl::StatusOr<std::vector<BundleSourceFile>> files =
      ReadBundleDirectory(directory, DirectoryReadOptions());
  if (!files.ok()) {
    return absl::Status(files.status().code(),
                        absl::StrCat("policy directory \"", directory,
                                     "\": ", files.status().message()));
  }
  return files;
}

}  // namespace refund

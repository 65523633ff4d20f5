// Reads the files of a policy bundle from a directory: every `*.textproto`
// under it (recursively, skipping folders named `tests`), sorted by path.
//
// The walk never throws (std::filesystem's std::error_code overloads) and
// opens only regular files: a policy file is opened with O_NONBLOCK and
// checked with fstat, so a FIFO, socket or device named `*.textproto` is
// refused without being read (or blocking). Entries that are not folders or
// `*.textproto` are skipped unread; symbolic links to folders are not
// followed.
#ifndef ENGINE_LOAD_BUNDLE_DIRECTORY_H_
#define ENGINE_LOAD_BUNDLE_DIRECTORY_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace refund {

struct BundleSourceFile {
  std::string path;  // relative to the bundle root; used in issues
  std::string content;
};

// Bounds on one walk. The defaults bound nothing (an operator's own folder).
struct DirectoryLimits {
  // Directory entries looked at, of any kind, skipped ones included.
  int64_t max_entries = std::numeric_limits<int64_t>::max();
  // Policy files read.
  int64_t max_files = std::numeric_limits<int64_t>::max();
  // Their total size in bytes.
  int64_t max_bytes = std::numeric_limits<int64_t>::max();
  // Folders below the directory (its own files are at depth 0).
  int max_depth = std::numeric_limits<int>::max();
};

struct DirectoryReadOptions {
  // When not empty: a canonical path (absolute, no symbolic links, no `.` or
  // `..`) that holds the directory. A policy file that is a symbolic link is
  // then read only when it resolves to a regular file inside it; any other
  // link is refused with one message, whatever its target, so that the
  // answer says nothing about paths outside. Empty: links are followed
  // wherever they lead.
  std::string confine_to;
  DirectoryLimits limits;
};

// Reads the bundle files of `directory`. Messages name paths relative to
// `directory` and never quote a file's content; the caller says which
// directory it was. Errors:
//  - NOT_FOUND "not a directory": `directory` is not one (or is missing);
//  - INVALID_ARGUMENT "<path>: ...": a `*.textproto` that is not a regular
//    file (FIFO, socket, device, a dangling or looping link) or, with
//    `confine_to`, a link that does not resolve to a regular file inside it;
//  - RESOURCE_EXHAUSTED: a limit of `options.limits` passed;
//  - FAILED_PRECONDITION "<path>: cannot be read (<reason>)": a folder or
//    file the process may not read, or an I/O error.
absl::StatusOr<std::vector<BundleSourceFile>> ReadBundleDirectory(
    const std::string& directory, const DirectoryReadOptions& options);

// Whether the canonical `path` is `root` or below it, compared component by
// component (/a/bc is not below /a/b). Both must be canonical: no links,
// `.` or `..` (std::filesystem::canonical / weakly_canonical).
bool IsPathWithin(const std::string& path, const std::string& root);

// The operator's own directory, unbounded; messages start with
// `policy directory "<directory>": `.
absl::StatusOr<std::vector<BundleSourceFile>> ReadBundleDirectory(
    const std::string& directory);

}  // namespace refund

#endif  // ENGINE_LOAD_BUNDLE_DIRECTORY_H_

// Where a client's candidate bundle directory may be read on the server: the
// `--candidate_root` folder, and only below it.
#ifndef SERVER_BUNDLES_CANDIDATE_ROOT_H_
#define SERVER_BUNDLES_CANDIDATE_ROOT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/load/bundle_directory.h"

namespace refund::server {

// The bounds of one candidate directory: far above the shipped bundle
// (12 files, 112 KB, 24 entries, one folder deep), far below what a walk
// of a home directory or /proc meets. 4 MiB is also the most a client can
// send inline (the server's message limit).
DirectoryLimits CandidateDirectoryLimits();

// Immutable, thread-safe, cheap to copy.
class CandidateRoot {
 public:
  // No root: every candidate directory is refused.
  CandidateRoot() = default;

  // `root` empty: no root. Otherwise an existing directory, resolved once
  // (realpath) here; INVALID_ARGUMENT "--candidate_root: ..." when it is not
  // one.
  static absl::StatusOr<CandidateRoot> Open(
      const std::string& root,
      const DirectoryLimits& limits = CandidateDirectoryLimits());

  bool accepts_directories() const { return !root_.empty(); }
  // The resolved root; empty when there is none.
  const std::string& path() const { return root_; }

  // The bundle files of `directory`, a client's path relative to the root
  // (`field` names it in the request, e.g. "candidate.directory"). Every
  // message starts with `field` and never quotes a file's content or names
  // a path outside the root:
  //  - FAILED_PRECONDITION "...: this server takes no candidate directories
  //    (start it with --candidate_root)" without a root;
  //  - INVALID_ARGUMENT: an absolute path, a `..` component, a NUL byte,
  //    more than 1024 bytes; "... is not a directory under the candidate
  //    root" for a path that is missing, not a directory, cannot be
  //    resolved or resolves (through links) outside the root, all alike;
  //    inside it, a `*.textproto` that is not a regular file, or a link
  //    that does not resolve to a regular file under the root;
  //  - RESOURCE_EXHAUSTED: past the limits;
  //  - FAILED_PRECONDITION "...: <path>: cannot be read (...)".
  absl::StatusOr<std::vector<BundleSourceFile>> Read(
      const std::string& directory, absl::string_view field) const;

 private:
  CandidateRoot(std::string root, const DirectoryLimits& limits)
      : root_(std::move(root)), limits_(limits) {}

  std::string root_;
  DirectoryLimits limits_;
};

}  // namespace refund::server

#endif  // SERVER_BUNDLES_CANDIDATE_ROOT_H_

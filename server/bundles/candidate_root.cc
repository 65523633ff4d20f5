#include "server/bundles/candidate_root.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace refund::server {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxDirectoryBytes = 1024;

}  // namespace

DirectoryLimits CandidateDirectoryLimits() {
  DirectoryLimits limits;
  limits.max_entries = 10000;
  limits.max_files = 1000;
  limits.max_bytes = int64_t{4} << 20;
  limits.max_depth = 8;
  return limits;
}

absl::StatusOr<CandidateRoot> CandidateRoot::Open(
    const std::string& root, const DirectoryLimits& limits) {
  if (root.empty()) return CandidateRoot();
  std::error_code error;
  const fs::path resolved = fs::canonical(root, error);
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat("--candidate_root: \"", root,
                                                   "\" cannot be resolved (",
                                                   error.message(), ")"));
  }
  if (!fs::is_directory(resolved, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--candidate_root: \"", root, "\" is not a directory"));
  }
  return CandidateRoot(resolved.string(), limits);
}

absl::StatusOr<std::vector<BundleSourceFile>> CandidateRoot::Read(
    const std::string& directory, absl::string_view field) const {
  if (root_.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(field,
                     ": this server takes no candidate directories (start "
                     "it with --candidate_root)"));
  }
  if (directory.size() > kMaxDirectoryBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", kMaxDirectoryBytes, " bytes"));
  }
  if (directory.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": contains a NUL byte"));
  }
  const std::string shown = absl::StrCat("\"", absl::CEscape(directory), "\"");
  const fs::path relative(directory);
  if (relative.has_root_path()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", shown,
                     " is absolute; give a path relative to the candidate "
                     "root"));
  }
  for (const fs::path& part : relative) {
    if (part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", shown, " has a \"..\" component"));
    }
  }
  // Missing, not a directory, unresolvable or (through a link) outside the
  // root: one answer, so that it tells nothing about paths outside.
  const absl::Status not_under = absl::InvalidArgumentError(absl::StrCat(
      field, ": ", shown, " is not a directory under the candidate root"));
  std::error_code error;
  const fs::path resolved =
      fs::weakly_canonical(fs::path(root_) / relative, error);
  if (error || !IsPathWithin(resolved.string(), root_)) return not_under;
  const fs::file_status status = fs::symlink_status(resolved, error);
  if (error || !fs::is_directory(status)) return not_under;

  DirectoryReadOptions options;
  options.confine_to = root_;
  options.limits = limits_;
  absl::StatusOr<std::vector<BundleSourceFile>> files =
      ReadBundleDirectory(resolved.string(), options);
  if (!files.ok()) {
    return absl::Status(
        files.status().code(),
        absl::StrCat(field, ": ", shown, ": ", files.status().message()));
  }
  return files;
}

}  // namespace refund::server

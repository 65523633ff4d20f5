#include "server/bundles/bundle_source.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "engine/load/bundle_loader.h"

namespace refund::server {

absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundleSource(
    const v1::PolicyBundleSource& source, absl::string_view field,
    const CandidateRoot& root, std::vector<PolicyIssue>* issues) {
  if (source.files_size() > 0) {
    std::vector<BundleSourceFile> files;
    files.reserve(source.files_size());
    for (const v1::SourceFile& file : source.files()) {
      files.push_back(BundleSourceFile{file.path(), file.content()});
    }
    return LoadBundle(files, issues);
  }
  if (!source.directory().empty()) {
    ASSIGN_OR_RETURN(
        std::vector<BundleSourceFile> files,
        root.Read(source.directory(), absl::StrCat(field, ".directory")));
    LoadOptions options;
    options.quote_file_text = false;
    return LoadBundle(files, options, issues);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": give files or a directory"));
}

}  // namespace refund::server

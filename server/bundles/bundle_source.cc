#include "server/bundles/bundle_source.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/load/bundle_loader.h"

namespace refund::server {

absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundleSource(
    const v1::PolicyBundleSource& source, absl::string_view field,
    std::vector<PolicyIssue>* issues) {
  if (source.files_size() > 0) {
    std::vector<BundleSourceFile> files;
    files.reserve(source.files_size());
    for (const v1::SourceFile& file : source.files()) {
      files.push_back(BundleSourceFile{file.path(), file.content()});
    }
    return LoadBundle(files, issues);
  }
  if (!source.directory().empty()) {
    return LoadBundleFromDirectory(source.directory(), issues);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": give files or a directory"));
}

}  // namespace refund::server

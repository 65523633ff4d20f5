#include "server/bundles/bundle_source.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "engine/load/bundle_loader.h"
#include "engine/load/shop_layer_loader.h"

namespace refund::server {

namespace {

// The files of `source` and how to load them.
absl::Status ReadSource(const v1::PolicyBundleSource& source,
                        absl::string_view field, const CandidateRoot& root,
                        std::vector<BundleSourceFile>* files,
                        LoadOptions* options) {
  if (source.files_size() > 0) {
    files->reserve(source.files_size());
    for (const v1::SourceFile& file : source.files()) {
      files->push_back(BundleSourceFile{file.path(), file.content()});
    }
    return absl::OkStatus();
  }
  if (!source.directory().empty()) {
    ASSIGN_OR_RETURN(*files, root.Read(source.directory(),
                                       absl::StrCat(field, ".directory")));
    options->quote_file_text = false;
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": give files or a directory"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundleSource(
    const v1::PolicyBundleSource& source, absl::string_view field,
    const CandidateRoot& root, std::vector<PolicyIssue>* issues) {
  std::vector<BundleSourceFile> files;
  LoadOptions options;
  RETURN_IF_ERROR(ReadSource(source, field, root, &files, &options));
  return LoadBundle(files, options, issues);
}

absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadLayerSource(
    const v1::PolicyBundleSource& source, absl::string_view field,
    const CandidateRoot& root, std::shared_ptr<const CompiledBundle> floor,
    const std::string& shop_id, std::vector<PolicyIssue>* issues) {
  if (const std::string problem = ShopIdProblem(shop_id); !problem.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("shop_id \"", shop_id, "\": ", problem));
  }
  std::vector<BundleSourceFile> files;
  LoadOptions options;
  RETURN_IF_ERROR(ReadSource(source, field, root, &files, &options));
  return ShopLayerLoader(std::move(floor), options)
      .Load(shop_id, files, issues);
}

}  // namespace refund::server

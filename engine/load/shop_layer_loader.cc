#include "engine/load/shop_layer_loader.h"

#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "engine/decide/request_validator.h"
#include "engine/decide/text_rules.h"
#include "engine/load/floor_guard.h"
#include "engine/load/layer_compile.h"
#include "google/protobuf/text_format.h"

namespace refund {
namespace {

// The floor's compiled form, kept alive by the floor bundle.
std::shared_ptr<const BundleInternals> FloorInternals(
    const std::shared_ptr<const CompiledBundle>& floor) {
  return std::shared_ptr<const BundleInternals>(floor, &floor->internals());
}

}  // namespace

std::string ShopIdProblem(absl::string_view shop_id) {
  if (shop_id.empty()) return "a shop id cannot be empty";
  if (shop_id.size() > static_cast<size_t>(kMaxIdLength)) {
    return absl::StrCat("a shop id has at most ", kMaxIdLength, " bytes");
  }
  const TextCheck check = CheckCharacters(shop_id, TextKind::kId);
  if (check.problem != TextProblem::kNone) {
    return absl::StrCat("not a valid shop id: ", DescribeTextProblem(check));
  }
  if (shop_id.front() == '.') {
    return "not a valid shop id: it starts with '.'";
  }
  return "";
}

std::string FloorVersionOf(const std::string& canonical_text) {
  v1::PolicyBundle bundle;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowPartialMessage(true);
  if (!parser.ParseFromString(canonical_text, &bundle)) return "";
  return bundle.floor_version();
}

ShopLayerLoader::ShopLayerLoader(std::shared_ptr<const CompiledBundle> floor,
                                 LoadOptions options)
    : floor_(std::move(floor)),
      options_(std::move(options)),
      guard_(std::make_unique<FloorGuard>(floor_->internals())) {}

ShopLayerLoader::~ShopLayerLoader() = default;

absl::StatusOr<std::unique_ptr<const CompiledBundle>> ShopLayerLoader::Load(
    const std::string& shop_id, const std::vector<BundleSourceFile>& files,
    std::vector<PolicyIssue>* issues) const {
  LayerTarget target;
  target.floor = FloorInternals(floor_);
  target.guard = guard_.get();
  target.shop_id = shop_id;
  return CompileLayer(files, options_, target, issues);
}

absl::StatusOr<std::unique_ptr<const CompiledBundle>>
ShopLayerLoader::LoadDirectory(const std::string& directory,
                               std::vector<PolicyIssue>* issues) const {
  const std::string name = std::filesystem::path(directory).filename().string();
  ASSIGN_OR_RETURN(std::vector<BundleSourceFile> files,
                   ReadBundleDirectory(directory));
  for (BundleSourceFile& file : files) {
    file.path = absl::StrCat(name, "/", file.path);
  }
  return Load(name, files, issues);
}

absl::StatusOr<std::unique_ptr<const CompiledBundle>>
ShopLayerLoader::LoadCanonicalText(const std::string& canonical_text,
                                   std::vector<PolicyIssue>* issues) const {
  LayerTarget target;
  target.floor = FloorInternals(floor_);
  target.from_canonical_text = true;
  return CompileLayer({{"layer.textproto", canonical_text}}, options_, target,
                      issues);
}

absl::StatusOr<ShopLayerSet> LoadShopLayers(const ShopLayerLoader& loader,
                                            const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(root, error)) {
    return absl::NotFoundError(
        absl::StrCat("shop policy directory \"", root, "\": not a directory"));
  }
  std::set<std::string> names;
  fs::directory_iterator it(root, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.front() == '.') continue;  // hidden
    std::error_code kind_error;
    // Symbolic links are not followed (as in a bundle's own folder).
    if (!it->is_directory(kind_error) || it->is_symlink(kind_error)) continue;
    names.insert(name);
  }
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("shop policy directory \"", root, "\": cannot be read (",
                     error.message(), ")"));
  }

  ShopLayerSet set;
  // Directories by the shop they claim, to refuse two claims of one shop.
  std::map<std::string, std::vector<std::string>> claims;
  std::map<std::string, std::shared_ptr<const CompiledBundle>> loaded;
  for (const std::string& name : names) {
    std::vector<PolicyIssue> issues;
    absl::StatusOr<std::unique_ptr<const CompiledBundle>> layer =
        loader.LoadDirectory((fs::path(root) / name).string(), &issues);
    if (layer.ok() && (*layer)->shop_id() == name) {
      if (std::string problem = ShopIdProblem(name); !problem.empty()) {
        issues.push_back(
            {name, 0, 0, absl::StrCat("directory \"", name, "\": ", problem)});
        layer = absl::InvalidArgumentError(problem);
      }
    }
    if (!layer.ok()) {
      if (issues.empty()) {
        issues.push_back({name, 0, 0, std::string(layer.status().message())});
      }
      set.refused.push_back(name);
      set.issues.insert(set.issues.end(), issues.begin(), issues.end());
      continue;
    }
    claims[(*layer)->shop_id()].push_back(name);
    loaded[name] = *std::move(layer);
  }
  for (const auto& [shop_id, directories] : claims) {
    if (directories.size() == 1) {
      set.layers[shop_id] = loaded[directories.front()];
      set.directories[directories.front()] = shop_id;
      continue;
    }
    for (const std::string& name : directories) {
      std::string others;
      for (const std::string& other : directories) {
        if (other != name)
          absl::StrAppend(&others, others.empty() ? "" : ", ", other);
      }
      set.refused.push_back(name);
      set.issues.push_back(
          {name, 0, 0,
           absl::StrCat("the layer in \"", name, "\" claims shop \"", shop_id,
                        "\", as the layer in ", others,
                        " does: one layer per shop")});
    }
  }
  return set;
}

}  // namespace refund

// Shop policy layers over a floor (policies/README.md, "Shop layers"): the
// shipped bundle is the floor; each shop may add a layer in the same file
// formats, kept in its own sub-directory of the shop policy directory
// (`--shop_policies=DIR`: DIR/<shop id>/*.textproto, its policy tests in
// DIR/<shop id>/tests/). A layer is compiled over the floor (its rules may
// name the floor's constants and catalog codes), then checked against it
// (floor_guard.h): what would weaken the floor is refused at load.
#ifndef ENGINE_LOAD_SHOP_LAYER_LOADER_H_
#define ENGINE_LOAD_SHOP_LAYER_LOADER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/load/bundle_directory.h"
#include "engine/load/bundle_loader.h"
#include "engine/load/policy_issue.h"

namespace refund {

class FloorGuard;

// Why `shop_id` cannot name a shop layer ("" when it can): empty, over 128
// bytes, characters an id may not hold (engine/decide/text_rules.h), or, as
// a directory name, one starting with '.'.
std::string ShopIdProblem(absl::string_view shop_id);

// The floor version a layer's canonical text names; "" for a floor's text
// (or text that does not parse).
std::string FloorVersionOf(const std::string& canonical_text);

// Loads layers over one floor. Immutable after construction; thread-safe.
class ShopLayerLoader {
 public:
  explicit ShopLayerLoader(std::shared_ptr<const CompiledBundle> floor,
                           LoadOptions options = LoadOptions());
  ~ShopLayerLoader();
  ShopLayerLoader(const ShopLayerLoader&) = delete;
  ShopLayerLoader& operator=(const ShopLayerLoader&) = delete;

  const std::shared_ptr<const CompiledBundle>& floor() const { return floor_; }

  // A layer for `shop_id` from its files (paths as issues should name
  // them). INVALID_ARGUMENT listing every issue (and appended to `issues`)
  // when a file does not parse or type-check, the layer would weaken the
  // floor, or sets what only the floor may.
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> Load(
      const std::string& shop_id, const std::vector<BundleSourceFile>& files,
      std::vector<PolicyIssue>* issues = nullptr) const;

  // The layer in `directory` (every *.textproto under it, tests/ skipped),
  // for the shop named by its files' `shop_id` or else by the directory's
  // name; issues name files as "<directory name>/<path>".
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadDirectory(
      const std::string& directory,
      std::vector<PolicyIssue>* issues = nullptr) const;

  // A layer from its canonical text as the decision log keeps it; the text
  // must name this floor's version. Not checked against the floor again (it
  // was when it first loaded); the result has the text's version.
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadCanonicalText(
      const std::string& canonical_text,
      std::vector<PolicyIssue>* issues = nullptr) const;

 private:
  std::shared_ptr<const CompiledBundle> floor_;
  LoadOptions options_;
  std::unique_ptr<const FloorGuard> guard_;
};

// Every shop layer of a shop policy directory.
struct ShopLayerSet {
  // The layers that loaded, by shop id, and the folder each came from (by
  // folder name).
  std::map<std::string, std::shared_ptr<const CompiledBundle>> layers;
  std::map<std::string, std::string> directories;
  // The directories refused (by name), each with its issues in `issues`.
  std::vector<std::string> refused;
  std::vector<PolicyIssue> issues;
};

// Loads each sub-directory of `root` as a shop's layer. A layer that does
// not load, whose directory name is not a valid shop id, or that claims the
// same shop as another is refused (with its issues); the others load.
// NOT_FOUND when `root` is not a directory; FAILED_PRECONDITION when it
// cannot be listed.
absl::StatusOr<ShopLayerSet> LoadShopLayers(const ShopLayerLoader& loader,
                                            const std::string& root);

}  // namespace refund

#endif  // ENGINE_LOAD_SHOP_LAYER_LOADER_H_

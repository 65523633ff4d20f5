// The loader's entry for a shop layer (engine-load private; the public face
// is shop_layer_loader.h): the same parsing and compiling as a floor's, with
// the layer's rules checked against the floor (floor_guard.h).
#ifndef ENGINE_LOAD_LAYER_COMPILE_H_
#define ENGINE_LOAD_LAYER_COMPILE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/decide/bundle_internals.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/load/bundle_directory.h"
#include "engine/load/bundle_loader.h"
#include "engine/load/floor_guard.h"
#include "engine/load/policy_issue.h"

namespace refund {

struct LayerTarget {
  std::shared_ptr<const BundleInternals> floor;
  // The floor's analysis; null skips the weakening checks (a layer read back
  // from the decision log was checked when it was first loaded).
  const FloorGuard* guard = nullptr;
  // The shop (its directory's name); unused for canonical text, which names
  // it.
  std::string shop_id;
  // The files are a layer's canonical text (it names the floor's version and
  // the shop, and its settings are the effective ones).
  bool from_canonical_text = false;
};

// LoadBundle for a shop layer over `target.floor`.
absl::StatusOr<std::unique_ptr<const CompiledBundle>> CompileLayer(
    const std::vector<BundleSourceFile>& files, const LoadOptions& options,
    const LayerTarget& target, std::vector<PolicyIssue>* issues);

}  // namespace refund

#endif  // ENGINE_LOAD_LAYER_COMPILE_H_

// Shop layers over the engine tests' floor (tests/testing/test_bundle.h).
#ifndef TESTS_TESTING_TEST_LAYER_H_
#define TESTS_TESTING_TEST_LAYER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/load/bundle_loader.h"
#include "engine/load/shop_layer_loader.h"
#include "tests/testing/test_bundle.h"

namespace refund::testing {

// The engine tests' bundle, loaded: the floor.
inline std::shared_ptr<const CompiledBundle> TestFloor() {
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> floor =
      LoadBundle(TestBundleFiles());
  if (!floor.ok()) return nullptr;
  return std::shared_ptr<const CompiledBundle>(*std::move(floor));
}

// A layer for "shop-1" made of one file, layer.textproto, holding `text`.
inline absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadTestLayer(
    const ShopLayerLoader& loader, const std::string& text,
    std::vector<PolicyIssue>* issues = nullptr) {
  return loader.Load("shop-1", {{"shop-1/layer.textproto", text}}, issues);
}

}  // namespace refund::testing

#endif  // TESTS_TESTING_TEST_LAYER_H_

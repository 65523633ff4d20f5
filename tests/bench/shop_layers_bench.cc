// Shop layers at scale (Google Benchmark; never run by ctest): 10,000
// generated layers of a few rules each over the shipped floor.
// - BM_LoadShopLayers: loading and checking them all (time per layer, and
//   the heap each layer keeps: `bytes_per_layer`, from mallinfo2);
// - BM_EvaluateFloorOnly: the shipped policy tests' requests on the floor;
// - BM_EvaluateWithLayers: the same requests, each for a shop picked among
//   the 10,000 (a hash-map look-up of its layer, as the server does, then
//   the layer over the floor), half of them shops with a layer;
// the bound: with 10,000 layers loaded, within 1.3x of the floor.
//
//   build/tests/bench/shop_layers_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/load/bundle_loader.h"
#include "engine/load/shop_layer_loader.h"
#include "tests/testing/policy_requests.h"

namespace refund {
namespace {

constexpr int kLayers = 10000;

std::shared_ptr<const CompiledBundle> Floor() {
  static const auto* floor = new std::shared_ptr<const CompiledBundle>(
      *LoadBundleFromDirectory(REFUND_POLICIES_DIR));
  return *floor;
}

std::vector<v1::RefundRequest> Requests() {
  std::vector<v1::RefundRequest> requests;
  auto read = testing::ReadPolicyRequests(REFUND_POLICIES_DIR "/tests");
  if (read.ok()) {
    for (testing::PolicyRequest& r : *read) {
      requests.push_back(std::move(r.request));
    }
  }
  return requests;
}

// Shop `i`'s layer: a refund-only threshold, an evidence rule, an SLA.
std::string LayerText(int i) {
  return absl::StrCat(
      "settings { sla_default_hours: ", 12 + i % 12, " }\n",
      "rules {\n"
      "  id: \"shop.small_refund_only\"\n"
      "  description: \"refund only under a threshold: approve\"\n"
      "  priority: 520\n"
      "  when: \"request.type == REQUEST_TYPE_REFUND_ONLY && "
      "request.requested_amount < fen(",
      1000 + i, ")\"\n",
      "  verdict: VERDICT_APPROVE\n"
      "}\n"
      "rules {\n"
      "  id: \"shop.photos_for_quality\"\n"
      "  description: \"photos for quality claims\"\n"
      "  when: \"request.reason == REASON_QUALITY_ISSUE\"\n"
      "  evidence { kind: EVIDENCE_KIND_PRODUCT_PHOTOS reason: \"photos\" }\n"
      "}\n"
      "rules {\n"
      "  id: \"shop.message_first\"\n"
      "  description: \"message first\"\n"
      "  when: \"request.buyer.orders_90d >= ",
      i % 7, "\"\n  actions: \"CONTACT_BY_MESSAGE_FIRST\"\n}\n");
}

using LayerMap =
    absl::flat_hash_map<std::string, std::shared_ptr<const CompiledBundle>>;

LayerMap LoadLayers(const ShopLayerLoader& loader) {
  LayerMap layers;
  for (int i = 0; i < kLayers; ++i) {
    const std::string shop = absl::StrCat("shop-", i);
    auto layer = loader.Load(shop, {{shop + "/rules.textproto", LayerText(i)}});
    if (layer.ok()) layers[shop] = *std::move(layer);
  }
  return layers;
}

void BM_LoadShopLayers(benchmark::State& state) {
  const ShopLayerLoader loader(Floor());
  size_t loaded = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    const size_t before = mallinfo2().uordblks;
    LayerMap layers = LoadLayers(loader);
    bytes = mallinfo2().uordblks - before;
    loaded = layers.size();
    benchmark::DoNotOptimize(layers);
  }
  state.counters["layers"] = static_cast<double>(loaded);
  state.counters["bytes_per_layer"] =
      loaded == 0 ? 0 : static_cast<double>(bytes) / loaded;
  state.counters["per_layer"] =
      benchmark::Counter(static_cast<double>(kLayers),
                         benchmark::Counter::kIsIterationInvariantRate |
                             benchmark::Counter::kInvert);
}
BENCHMARK(BM_LoadShopLayers)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_EvaluateFloorOnly(benchmark::State& state) {
  const std::vector<v1::RefundRequest> requests = Requests();
  const std::shared_ptr<const CompiledBundle> floor = Floor();
  size_t i = 0;
  for (auto _ : state) {
    auto outcome = floor->Evaluate(requests[i++ % requests.size()]);
    benchmark::DoNotOptimize(outcome);
  }
}
BENCHMARK(BM_EvaluateFloorOnly);

void BM_EvaluateWithLayers(benchmark::State& state) {
  const ShopLayerLoader loader(Floor());
  static const LayerMap* layers = new LayerMap(LoadLayers(loader));
  std::vector<v1::RefundRequest> requests = Requests();
  // Every other request is for a shop without a layer.
  for (size_t k = 0; k < requests.size(); ++k) {
    requests[k].set_shop_id(
        absl::StrCat(k % 2 == 0 ? "shop-" : "other-", (k * 7919) % kLayers));
  }
  const std::shared_ptr<const CompiledBundle> floor = Floor();
  size_t i = 0;
  for (auto _ : state) {
    const v1::RefundRequest& request = requests[i++ % requests.size()];
    auto it = layers->find(request.shop_id());
    const CompiledBundle& bundle = it == layers->end() ? *floor : *it->second;
    auto outcome = bundle.Evaluate(request);
    benchmark::DoNotOptimize(outcome);
  }
  state.counters["layers"] = static_cast<double>(layers->size());
}
BENCHMARK(BM_EvaluateWithLayers);

}  // namespace
}  // namespace refund

BENCHMARK_MAIN();

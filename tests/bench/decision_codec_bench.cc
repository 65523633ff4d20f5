// The decision log's compression (server/log/decision_codec.h) on the shipped
// bundle (Google Benchmark; never run by ctest): compressing and
// decompressing one decision with the bundle's dictionary, and building the
// dictionary. Counters: bytes in and out per decision.
//
//   taskset -c 1 build/tests/bench/decision_codec_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/load/bundle_loader.h"
#include "server/log/decision_codec.h"
#include "server/log/decision_dictionary.h"
#include "server/log/decision_serializer.h"
#include "tests/testing/request_generator.h"

namespace refund::server {
namespace {

const CompiledBundle& Shipped() {
  static const CompiledBundle* bundle =
      LoadBundleFromDirectory(REFUND_POLICIES_DIR)->release();
  return *bundle;
}

const std::string& Dictionary() {
  static const std::string* dictionary =
      new std::string(BuildDecisionDictionary(Shipped()));
  return *dictionary;
}

// Serialized decisions of generated requests, a third of them in English,
// stamped like the server stamps them.
const std::vector<std::string>& Decisions() {
  static const auto* decisions = [] {
    auto* out = new std::vector<std::string>;
    testing::RequestGenerator generator(20261123);
    for (int i = 0; i < 512; ++i) {
      v1::RefundRequest request = generator.Next("bench");
      if (i % 3 == 2) request.set_locale("en");
      absl::StatusOr<v1::Decision> decision = Shipped().Decide(request);
      if (!decision.ok()) continue;
      decision->set_decision_id(absl::StrCat("0123456789abcdef0123456789a", i));
      decision->mutable_decided_at()->set_seconds(1'780'000'000 + i);
      out->push_back(SerializeDecision(*decision));
    }
    return out;
  }();
  return *decisions;
}

void BM_CompressDecision(benchmark::State& state) {
  auto compressor = DecisionCompressor::Create(Dictionary());
  if (!compressor.ok()) state.SkipWithError("no compressor");
  const std::vector<std::string>& decisions = Decisions();
  size_t i = 0;
  int64_t in = 0;
  int64_t out = 0;
  for (auto _ : state) {
    const std::string& decision = decisions[i++ % decisions.size()];
    absl::StatusOr<absl::string_view> frame = (*compressor)->Compress(decision);
    benchmark::DoNotOptimize(frame);
    in += static_cast<int64_t>(decision.size());
    out += static_cast<int64_t>(frame->size());
  }
  state.counters["bytes_in"] = benchmark::Counter(
      static_cast<double>(in), benchmark::Counter::kAvgIterations);
  state.counters["bytes_out"] = benchmark::Counter(
      static_cast<double>(out), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_CompressDecision);

void BM_DecompressDecision(benchmark::State& state) {
  auto compressor = DecisionCompressor::Create(Dictionary());
  auto decompressor = DecisionDecompressor::Create(Dictionary());
  if (!compressor.ok() || !decompressor.ok()) state.SkipWithError("no codec");
  std::vector<std::string> frames;
  for (const std::string& decision : Decisions()) {
    frames.emplace_back(*(*compressor)->Compress(decision));
  }
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<std::string> decision =
        (*decompressor)->Decompress(frames[i++ % frames.size()]);
    benchmark::DoNotOptimize(decision);
  }
}
BENCHMARK(BM_DecompressDecision);

void BM_BuildDecisionDictionary(benchmark::State& state) {
  for (auto _ : state) {
    std::string dictionary = BuildDecisionDictionary(Shipped());
    benchmark::DoNotOptimize(dictionary);
    state.counters["bytes"] = static_cast<double>(dictionary.size());
  }
}
BENCHMARK(BM_BuildDecisionDictionary)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace refund::server

BENCHMARK_MAIN();

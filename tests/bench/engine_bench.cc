// Engine benchmarks on the shipped bundle: loading and compiling it, and one
// decision per scenario family (the requests of policies/tests/*.json).
//   build/tests/bench/engine_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "engine/bundle_loader.h"
#include "tools/policy_test_runner.h"

namespace refund {
namespace {

const std::vector<std::pair<std::string, v1::PolicyTestFile>>& Families() {
  static const auto* files = [] {
    auto read = ReadPolicyTests(REFUND_POLICIES_DIR "/tests");
    return new std::vector<std::pair<std::string, v1::PolicyTestFile>>(
        read.ok() ? *std::move(read)
                  : std::vector<std::pair<std::string, v1::PolicyTestFile>>{});
  }();
  return *files;
}

const CompiledBundle& Shipped() {
  static const CompiledBundle* bundle =
      LoadBundleFromDirectory(REFUND_POLICIES_DIR)->release();
  return *bundle;
}

void BM_LoadShippedBundle(benchmark::State& state) {
  auto files = ReadBundleDirectory(REFUND_POLICIES_DIR);
  for (auto _ : state) {
    auto bundle = LoadBundle(*files);
    benchmark::DoNotOptimize(bundle);
  }
}
BENCHMARK(BM_LoadShippedBundle)->Unit(benchmark::kMillisecond);

// Every case of one policy test file, decided in turn; reports per decision.
void BM_DecideFamily(benchmark::State& state) {
  const auto& [name, file] = Families()[state.range(0)];
  state.SetLabel(name);
  const CompiledBundle& bundle = Shipped();
  int64_t decisions = 0;
  for (auto _ : state) {
    for (const v1::PolicyTestCase& test : file.cases()) {
      auto decision = bundle.Decide(test.request());
      benchmark::DoNotOptimize(decision);
      ++decisions;
    }
  }
  state.SetItemsProcessed(decisions);
}

void RegisterFamilies() {
  for (size_t i = 0; i < Families().size(); ++i) {
    benchmark::RegisterBenchmark(
        ("BM_DecideFamily/" + Families()[i].first).c_str(), BM_DecideFamily)
        ->Arg(static_cast<int64_t>(i))
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace
}  // namespace refund

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  refund::RegisterFamilies();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

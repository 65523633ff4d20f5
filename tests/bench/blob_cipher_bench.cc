// What encryption at rest costs per decision (server/log/blob_cipher.h,
// server/log/log_keyring.h) on the shipped bundle (Google Benchmark; never
// run by ctest): sealing a row's two blobs as the writer does (the request,
// and the decision's zstd frame), and opening them as a read does.
// Counters: plaintext bytes per decision.
//
//   taskset -c 1 build/tests/bench/blob_cipher_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/load/bundle_loader.h"
#include "server/log/decision_codec.h"
#include "server/log/decision_dictionary.h"
#include "server/log/decision_serializer.h"
#include "server/log/deterministic_serialization.h"
#include "server/log/log_keyring.h"
#include "tests/testing/request_generator.h"

namespace refund::server {
namespace {

// One row's blobs before sealing.
struct RowBlobs {
  std::string decision_id;
  std::string request;
  std::string frame;
};

// Generated requests decided under the shipped bundle, a third in English,
// their decisions compressed as the writer stores them.
const std::vector<RowBlobs>& Rows() {
  static const auto* rows = [] {
    auto* out = new std::vector<RowBlobs>;
    std::unique_ptr<const CompiledBundle> bundle =
        *LoadBundleFromDirectory(REFUND_POLICIES_DIR);
    auto compressor =
        DecisionCompressor::Create(BuildDecisionDictionary(*bundle));
    testing::RequestGenerator generator(20261207);
    for (int i = 0; i < 512; ++i) {
      v1::RefundRequest request = generator.Next("bench");
      if (i % 3 == 2) request.set_locale("en");
      absl::StatusOr<v1::Decision> decision = bundle->Decide(request);
      if (!decision.ok()) continue;
      const std::string id = absl::StrCat("0123456789abcdef0123456789a", i);
      decision->set_decision_id(id);
      decision->mutable_decided_at()->set_seconds(1'780'000'000 + i);
      out->push_back(
          {id, SerializeDeterministically(request),
           std::string(
               *(*compressor)->Compress(SerializeDecision(*decision)))});
    }
    return out;
  }();
  return *rows;
}

std::shared_ptr<const LogKeyring> Ring() {
  return *LogKeyring::Parse(
      "2026-12 "
      "8f3b1c2d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcdef",
      "bench keys");
}

void BM_SealRow(benchmark::State& state) {
  std::shared_ptr<const LogKeyring> ring = Ring();
  const std::vector<RowBlobs>& rows = Rows();
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const RowBlobs& row = rows[i++ % rows.size()];
    auto request = ring->Seal(BlobRole::kRequest, row.decision_id, row.request);
    auto decision = ring->Seal(BlobRole::kDecision, row.decision_id, row.frame);
    benchmark::DoNotOptimize(request);
    benchmark::DoNotOptimize(decision);
    bytes += static_cast<int64_t>(row.request.size() + row.frame.size());
  }
  state.counters["bytes"] = benchmark::Counter(
      static_cast<double>(bytes), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_SealRow);

void BM_OpenRow(benchmark::State& state) {
  std::shared_ptr<const LogKeyring> ring = Ring();
  std::vector<RowBlobs> sealed;
  for (const RowBlobs& row : Rows()) {
    sealed.push_back(
        {row.decision_id,
         *ring->Seal(BlobRole::kRequest, row.decision_id, row.request),
         *ring->Seal(BlobRole::kDecision, row.decision_id, row.frame)});
  }
  size_t i = 0;
  for (auto _ : state) {
    const RowBlobs& row = sealed[i++ % sealed.size()];
    auto request =
        ring->Open("2026-12", BlobRole::kRequest, row.decision_id, row.request);
    auto decision =
        ring->Open("2026-12", BlobRole::kDecision, row.decision_id, row.frame);
    benchmark::DoNotOptimize(request);
    benchmark::DoNotOptimize(decision);
  }
}
BENCHMARK(BM_OpenRow);

}  // namespace
}  // namespace refund::server

BENCHMARK_MAIN();

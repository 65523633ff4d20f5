// Engine benchmarks (Google Benchmark; never run by ctest):
// - loading and compiling the shipped bundle, and generated ones;
// - one decision per scenario family of the shipped bundle (the requests of
//   policies/tests/*.json), evaluation only (CompiledBundle::Evaluate:
//   validate, select candidate rules, evaluate them, combine) and the full
//   Decide (Evaluate + rendering the Decision message with its scripts);
// - the same on generated bundles of 10 / 100 / 1,000 / 10,000 rules keyed
//   on shop, platform, type and reason (tests/testing/synthetic_bundle.h),
//   also with the requests laid out on an arena (BM_EvaluateArenaSynthetic);
// - the request's own checks: validation alone (BM_ValidateRequest), the
//   walk over the bytes' enum fields (BM_FindOutOfRangeEnum), looking for
//   unknown fields (BM_HasUnknownFields; dropping them regardless,
//   BM_DiscardUnknownFields, is what Decide avoids), and what the Decide
//   handler does with the bytes before rendering (BM_ParseAndEvaluate:
//   parse a serialized DecideRequest onto an arena, walk its enums, look for
//   unknown fields, evaluate).
//
//   build/tests/bench/engine_bench --benchmark_min_time=1
//   taskset -c 1 build/tests/bench/engine_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/decide/request_validator.h"
#include "engine/decide/unknown_fields.h"
#include "engine/decide/wire_check.h"
#include "engine/load/bundle_loader.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "refund/v1/service.pb.h"
#include "tests/testing/policy_requests.h"
#include "tests/testing/synthetic_bundle.h"

namespace refund {
namespace {

constexpr int kSyntheticRequests = 256;

// The policy test requests, grouped by file (scenario family). Requests
// that name their order lines (refund_items) form their own group,
// "order_lines", beside the same requests as whole-order ones
// ("order_lines_as_whole_order"): the difference is what the lines cost.
const std::map<std::string, std::vector<v1::RefundRequest>>& Families() {
  static const auto* families = [] {
    auto* grouped = new std::map<std::string, std::vector<v1::RefundRequest>>;
    auto requests = testing::ReadPolicyRequests(REFUND_POLICIES_DIR "/tests");
    if (requests.ok()) {
      for (testing::PolicyRequest& r : *requests) {
        if (r.request.refund_items_size() > 0) {
          v1::RefundRequest whole = r.request;
          whole.clear_refund_items();
          (*grouped)["order_lines_as_whole_order"].push_back(std::move(whole));
          (*grouped)["order_lines"].push_back(std::move(r.request));
        } else {
          (*grouped)[r.file].push_back(std::move(r.request));
        }
      }
    }
    return grouped;
  }();
  return *families;
}

const CompiledBundle& Shipped() {
  static const CompiledBundle* bundle =
      LoadBundleFromDirectory(REFUND_POLICIES_DIR)->release();
  return *bundle;
}

testing::SyntheticBundleOptions SyntheticOptions(int rules) {
  testing::SyntheticBundleOptions options;
  options.rule_count = rules;
  return options;
}

struct Synthetic {
  std::unique_ptr<const CompiledBundle> bundle;
  std::vector<v1::RefundRequest> requests;
};

// A generated bundle of `rules` rules and requests to its shops, made once.
const Synthetic& SyntheticOf(int rules) {
  static auto* cache = new std::map<int, Synthetic>;
  Synthetic& synthetic = (*cache)[rules];
  if (synthetic.bundle != nullptr) return synthetic;
  const testing::SyntheticBundleOptions options = SyntheticOptions(rules);
  auto files = testing::SyntheticBundle(REFUND_POLICIES_DIR, options);
  auto bundle = LoadBundle(*files);
  if (!bundle.ok()) return synthetic;
  synthetic.bundle = *std::move(bundle);
  testing::SplitMix64 rng(42);
  std::vector<v1::RefundRequest> bases;
  for (const auto& [family, requests] : Families()) {
    if (family.rfind("order_lines", 0) == 0) continue;  // as before them
    bases.insert(bases.end(), requests.begin(), requests.end());
  }
  while (static_cast<int>(synthetic.requests.size()) < kSyntheticRequests) {
    v1::RefundRequest request =
        testing::SyntheticRequest(bases[rng.Below(bases.size())], options, rng);
    if (synthetic.bundle->Evaluate(request).ok()) {
      synthetic.requests.push_back(std::move(request));
    }
  }
  return synthetic;
}

void BM_LoadShippedBundle(benchmark::State& state) {
  auto files = ReadBundleDirectory(REFUND_POLICIES_DIR);
  for (auto _ : state) {
    auto bundle = LoadBundle(*files);
    benchmark::DoNotOptimize(bundle);
  }
}
BENCHMARK(BM_LoadShippedBundle)->Unit(benchmark::kMillisecond);

void BM_LoadSyntheticBundle(benchmark::State& state) {
  auto files = testing::SyntheticBundle(
      REFUND_POLICIES_DIR, SyntheticOptions(static_cast<int>(state.range(0))));
  for (auto _ : state) {
    auto bundle = LoadBundle(*files);
    benchmark::DoNotOptimize(bundle);
  }
}
BENCHMARK(BM_LoadSyntheticBundle)
    ->Arg(100)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);

enum class Work {
  kEvaluate,     // CompiledBundle::Evaluate: validate, match, combine
  kDecide,       // CompiledBundle::Decide: the Decision message on the heap
  kDecideArena,  // Evaluate + RenderInto a Decision on a protobuf Arena
};

// One decision per iteration, cycling through `requests`: the time reported
// is per decision, including freeing what it allocated.
void RunDecisions(benchmark::State& state, const CompiledBundle& bundle,
                  const std::vector<v1::RefundRequest>& requests, Work work) {
  size_t next = 0;
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 64 << 10;
  google::protobuf::Arena arena(arena_options);
  for (auto _ : state) {
    const v1::RefundRequest& request = requests[next];
    next = next + 1 == requests.size() ? 0 : next + 1;
    switch (work) {
      case Work::kEvaluate: {
        auto outcome = bundle.Evaluate(request);
        benchmark::DoNotOptimize(outcome);
        break;
      }
      case Work::kDecide: {
        auto decision = bundle.Decide(request);
        benchmark::DoNotOptimize(decision);
        break;
      }
      case Work::kDecideArena: {
        auto outcome = bundle.Evaluate(request);
        auto* decision =
            google::protobuf::Arena::CreateMessage<v1::Decision>(&arena);
        bundle.RenderInto(request, *outcome, decision);
        benchmark::DoNotOptimize(decision);
        arena.Reset();
        break;
      }
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Synthetic(benchmark::State& state, Work work) {
  const Synthetic& synthetic = SyntheticOf(static_cast<int>(state.range(0)));
  if (synthetic.bundle == nullptr) {
    state.SkipWithError("the synthetic bundle does not load");
    return;
  }
  RunDecisions(state, *synthetic.bundle, synthetic.requests, work);
}

void BM_EvaluateSynthetic(benchmark::State& state) {
  BM_Synthetic(state, Work::kEvaluate);
}
void BM_DecideSynthetic(benchmark::State& state) {
  BM_Synthetic(state, Work::kDecide);
}
BENCHMARK(BM_EvaluateSynthetic)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);
// BM_EvaluateSynthetic's bundles and requests, with the requests copied in
// turn onto one arena, as refund-server parses each request onto an arena:
// they lie contiguously instead of wherever the heap left by loading the
// bundle put their sub-messages and strings (after a 10,000-rule load, in
// scattered holes: more cache lines and pages per request). The difference
// from BM_EvaluateSynthetic is the requests' layout, not the engine's work.
void BM_EvaluateArenaSynthetic(benchmark::State& state) {
  const Synthetic& synthetic = SyntheticOf(static_cast<int>(state.range(0)));
  if (synthetic.bundle == nullptr) {
    state.SkipWithError("the synthetic bundle does not load");
    return;
  }
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 256 << 10;
  arena_options.max_block_size = 1 << 20;
  google::protobuf::Arena arena(arena_options);
  std::vector<const v1::RefundRequest*> requests;
  for (const v1::RefundRequest& request : synthetic.requests) {
    auto* copy =
        google::protobuf::Arena::CreateMessage<v1::RefundRequest>(&arena);
    *copy = request;
    requests.push_back(copy);
  }
  size_t next = 0;
  for (auto _ : state) {
    auto outcome = synthetic.bundle->Evaluate(*requests[next]);
    benchmark::DoNotOptimize(outcome);
    next = next + 1 == requests.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateArenaSynthetic)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_DecideSynthetic)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

// Every policy test request in turn.
std::vector<const v1::RefundRequest*> AllPolicyRequests() {
  std::vector<const v1::RefundRequest*> all;
  for (const auto& [family, requests] : Families()) {
    for (const v1::RefundRequest& request : requests) all.push_back(&request);
  }
  return all;
}

// ValidateRefundRequest alone, on valid requests (the common case).
void BM_ValidateRequest(benchmark::State& state) {
  const std::vector<const v1::RefundRequest*> requests = AllPolicyRequests();
  size_t next = 0;
  for (auto _ : state) {
    absl::Status status = ValidateRefundRequest(*requests[next]);
    benchmark::DoNotOptimize(status);
    next = next + 1 == requests.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateRequest)->Unit(benchmark::kMicrosecond);

// The policy test requests as serialized DecideRequests.
std::vector<std::string> SerializedDecideRequests() {
  std::vector<std::string> serialized;
  for (const v1::RefundRequest* request : AllPolicyRequests()) {
    v1::DecideRequest decide;
    *decide.mutable_request() = *request;
    serialized.push_back(decide.SerializeAsString());
  }
  return serialized;
}

const WireCheck& DecideWireCheck() {
  static const WireCheck* check =
      new WireCheck(*v1::DecideRequest::descriptor());
  return *check;
}

// The walk over a DecideRequest's enum fields that Decide adds to parsing.
void BM_FindOutOfRangeEnum(benchmark::State& state) {
  const std::vector<std::string> serialized = SerializedDecideRequests();
  size_t next = 0;
  for (auto _ : state) {
    google::protobuf::io::ArrayInputStream input(
        serialized[next].data(), static_cast<int>(serialized[next].size()));
    absl::Status status = DecideWireCheck().FindOutOfRangeEnum(
        input, static_cast<int>(serialized[next].size()));
    benchmark::DoNotOptimize(status);
    next = next + 1 == serialized.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FindOutOfRangeEnum)->Unit(benchmark::kMicrosecond);

// DiscardUnknownFields on a parsed request without any: what Decide would pay
// on every call if it did not ask HasUnknownFields first.
void BM_DiscardUnknownFields(benchmark::State& state) {
  std::vector<v1::DecideRequest> requests;
  for (const std::string& bytes : SerializedDecideRequests()) {
    requests.emplace_back().ParseFromString(bytes);
  }
  size_t next = 0;
  for (auto _ : state) {
    requests[next].DiscardUnknownFields();
    benchmark::ClobberMemory();
    next = next + 1 == requests.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DiscardUnknownFields)->Unit(benchmark::kMicrosecond);

// What Decide pays instead: whether there is anything to discard.
void BM_HasUnknownFields(benchmark::State& state) {
  std::vector<v1::DecideRequest> requests;
  for (const std::string& bytes : SerializedDecideRequests()) {
    requests.emplace_back().ParseFromString(bytes);
  }
  size_t next = 0;
  for (auto _ : state) {
    bool unknown = HasUnknownFields(requests[next].request());
    benchmark::DoNotOptimize(unknown);
    next = next + 1 == requests.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HasUnknownFields)->Unit(benchmark::kMicrosecond);

// What refund-server's Decide does before rendering: the DecideRequest's
// bytes parsed onto a fresh arena, the walk over its enum fields, unknown
// fields dropped, then Evaluate (which validates).
void BM_ParseAndEvaluate(benchmark::State& state) {
  const std::vector<std::string> serialized = SerializedDecideRequests();
  const CompiledBundle& bundle = Shipped();
  size_t next = 0;
  for (auto _ : state) {
    google::protobuf::ArenaOptions arena_options;
    arena_options.start_block_size = 16 * 1024;
    google::protobuf::Arena arena(arena_options);
    auto* decide =
        google::protobuf::Arena::CreateMessage<v1::DecideRequest>(&arena);
    google::protobuf::io::ArrayInputStream input(
        serialized[next].data(), static_cast<int>(serialized[next].size()));
    if (!decide->ParseFromZeroCopyStream(&input)) {
      state.SkipWithError("a policy request does not parse");
      break;
    }
    google::protobuf::io::ArrayInputStream again(
        serialized[next].data(), static_cast<int>(serialized[next].size()));
    if (!DecideWireCheck()
             .FindOutOfRangeEnum(again,
                                 static_cast<int>(serialized[next].size()))
             .ok()) {
      state.SkipWithError("a policy request has an enum beyond 32 bits");
      break;
    }
    if (HasUnknownFields(decide->request())) {
      decide->mutable_request()->DiscardUnknownFields();
    }
    auto outcome = bundle.Evaluate(decide->request());
    benchmark::DoNotOptimize(outcome);
    next = next + 1 == serialized.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndEvaluate)->Unit(benchmark::kMicrosecond);

void RegisterFamilies() {
  constexpr std::pair<const char*, Work> kWork[] = {
      {"BM_EvaluateFamily/", Work::kEvaluate},
      {"BM_DecideFamily/", Work::kDecide},
      {"BM_DecideArenaFamily/", Work::kDecideArena},
  };
  for (const auto& [name, requests] : Families()) {
    const std::vector<v1::RefundRequest>* family = &requests;
    for (const auto& [prefix, work] : kWork) {
      benchmark::RegisterBenchmark(
          (prefix + name).c_str(),
          [family, work = work](benchmark::State& state) {
            RunDecisions(state, Shipped(), *family, work);
          })
          ->Unit(benchmark::kMicrosecond);
    }
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

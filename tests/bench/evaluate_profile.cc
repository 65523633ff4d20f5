// A driver for instruction counts of CompiledBundle::Evaluate under
// callgrind (independent of what else runs on the machine, unlike times):
// evaluates every policy test request of the shipped bundle, or the requests
// engine_bench sends to a generated bundle, `rounds` times, then prints how
// many decisions it made.
//
//   valgrind --tool=callgrind
//       --toggle-collect='refund::CompiledBundle::Evaluate*'
//       build/tests/bench/evaluate_profile [RULES] [ROUNDS] [arena]
//
// RULES 0 (the default) is the shipped bundle (policies/); otherwise a
// synthetic bundle of that many rules (tests/testing/synthetic_bundle.h,
// built as engine_bench builds it). Instructions per decision = the
// collected total / the printed count. With `arena`, the requests are
// copied onto one arena first, as BM_EvaluateArenaSynthetic lays them out
// (contiguous, whatever holes loading the bundle left in the heap).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/load/bundle_loader.h"
#include "google/protobuf/arena.h"
#include "tests/testing/policy_requests.h"
#include "tests/testing/synthetic_bundle.h"

namespace refund {
namespace {

constexpr int kSyntheticRequests = 256;

int Run(int rules, int rounds, bool arena) {
  auto policy_requests =
      testing::ReadPolicyRequests(REFUND_POLICIES_DIR "/tests");
  if (!policy_requests.ok()) {
    std::fprintf(stderr, "%s\n", policy_requests.status().ToString().c_str());
    return 1;
  }
  std::vector<v1::RefundRequest> bases;
  for (const testing::PolicyRequest& r : *policy_requests) {
    bases.push_back(r.request);
  }
  std::unique_ptr<const CompiledBundle> bundle;
  std::vector<v1::RefundRequest> requests;
  if (rules == 0) {
    auto shipped = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
    if (!shipped.ok()) {
      std::fprintf(stderr, "%s\n", shipped.status().ToString().c_str());
      return 1;
    }
    bundle = *std::move(shipped);
    for (const v1::RefundRequest& request : bases) {
      if (bundle->Evaluate(request).ok()) requests.push_back(request);
    }
  } else {
    testing::SyntheticBundleOptions options;
    options.rule_count = rules;
    auto files = testing::SyntheticBundle(REFUND_POLICIES_DIR, options);
    if (!files.ok()) return 1;
    auto synthetic = LoadBundle(*files);
    if (!synthetic.ok()) {
      std::fprintf(stderr, "%s\n", synthetic.status().ToString().c_str());
      return 1;
    }
    bundle = *std::move(synthetic);
    testing::SplitMix64 rng(42);
    while (static_cast<int>(requests.size()) < kSyntheticRequests) {
      v1::RefundRequest request = testing::SyntheticRequest(
          bases[rng.Below(bases.size())], options, rng);
      if (bundle->Evaluate(request).ok()) {
        requests.push_back(std::move(request));
      }
    }
  }
  google::protobuf::Arena requests_arena;
  std::vector<const v1::RefundRequest*> order;
  for (const v1::RefundRequest& request : requests) {
    if (!arena) {
      order.push_back(&request);
      continue;
    }
    auto* copy = google::protobuf::Arena::CreateMessage<v1::RefundRequest>(
        &requests_arena);
    *copy = request;
    order.push_back(copy);
  }
  long decisions = static_cast<long>(requests.size());  // the filtering above
  int matched = 0;
  for (int round = 0; round < rounds; ++round) {
    for (const v1::RefundRequest* request : order) {
      auto outcome = bundle->Evaluate(*request);
      matched += static_cast<int>(outcome->matched.size());
      ++decisions;
    }
  }
  std::printf("decisions %ld (matched entries %d)\n", decisions, matched);
  return 0;
}

}  // namespace
}  // namespace refund

int main(int argc, char** argv) {
  const int rules = argc > 1 ? std::atoi(argv[1]) : 0;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
  const bool arena = argc > 3 && std::string_view(argv[3]) == "arena";
  return refund::Run(rules, rounds, arena);
}

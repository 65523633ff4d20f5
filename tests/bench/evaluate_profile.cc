// A driver for instruction counts of CompiledBundle::Evaluate under
// callgrind (independent of what else runs on the machine, unlike times):
// evaluates every policy test request of the shipped bundle, or the requests
// engine_bench sends to a generated bundle, `rounds` times, then prints how
// many decisions it made.
//
//   valgrind --tool=callgrind
//       --toggle-collect='refund::CompiledBundle::Evaluate*'
//       build/tests/bench/evaluate_profile [RULES] [ROUNDS] [arena|bytes]
//
// RULES 0 (the default) is the shipped bundle (policies/); otherwise a
// synthetic bundle of that many rules (tests/testing/synthetic_bundle.h,
// built as engine_bench builds it). Instructions per decision = the
// collected total / the printed count. With `arena`, the requests are
// copied onto one arena first, as BM_EvaluateArenaSynthetic lays them out
// (contiguous, whatever holes loading the bundle left in the heap). With
// `bytes`, each decision starts from the serialized DecideRequest as
// refund-server's Decide does: parse onto an arena, the walk over its enum
// fields (WireCheck::FindOutOfRangeEnum), HasUnknownFields, Evaluate; it
// prints how many it made that way ("from bytes"), the count to divide the
// instructions of those steps by:
//
//   valgrind --tool=callgrind --toggle-collect='refund::WireCheck::Find*'
//       build/tests/bench/evaluate_profile 0 20 bytes
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// Decide's steps from the request's bytes (see the file's comment).
int RunFromBytes(const CompiledBundle& bundle,
                 const std::vector<v1::RefundRequest>& requests, int rounds) {
  std::vector<std::string> serialized;
  for (const v1::RefundRequest& request : requests) {
    v1::DecideRequest decide;
    *decide.mutable_request() = request;
    serialized.push_back(decide.SerializeAsString());
  }
  const WireCheck check(*v1::DecideRequest::descriptor());
  long decisions = 0;
  int matched = 0;
  for (int round = 0; round < rounds; ++round) {
    for (const std::string& bytes : serialized) {
      google::protobuf::ArenaOptions options;
      options.start_block_size = 16 * 1024;
      google::protobuf::Arena arena(options);
      auto* decide =
          google::protobuf::Arena::CreateMessage<v1::DecideRequest>(&arena);
      const int size = static_cast<int>(bytes.size());
      google::protobuf::io::ArrayInputStream input(bytes.data(), size);
      google::protobuf::io::ArrayInputStream again(bytes.data(), size);
      if (!decide->ParseFromZeroCopyStream(&input) ||
          !check.FindOutOfRangeEnum(again, size).ok()) {
        return 1;
      }
      if (HasUnknownFields(decide->request())) {
        decide->mutable_request()->DiscardUnknownFields();
      }
      auto outcome = bundle.Evaluate(decide->request());
      matched += static_cast<int>(outcome->matched.size());
      ++decisions;
    }
  }
  std::printf("decisions from bytes %ld (matched entries %d)\n", decisions,
              matched);
  return 0;
}

int Run(int rules, int rounds, bool arena, bool bytes) {
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
  if (bytes) return RunFromBytes(*bundle, requests, rounds);
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
  const bool bytes = argc > 3 && std::string_view(argv[3]) == "bytes";
  return refund::Run(rules, rounds, arena, bytes);
}

// Decisions must stay byte-identical across engine changes: an auditor
// replays a stored decision years later, under the bundle version it was made
// with, and must get the same bytes. So the inputs here are frozen: the
// bundle and the policy-test requests under testdata/golden_bundle are a copy
// of the shipped bundle as it was when the golden file was written (the live
// policies/ may change freely). The golden file holds the SHA-256 of the
// deterministic serialization of the decision (or the error) for every
// request and for variations of each (request_mutator.h).
//
// A failure means the engine now decides an old bundle differently: stored
// decisions would no longer replay exactly. Regenerate only for a change that
// is meant to alter old decisions, and say so in BUILD_NOTES.md:
//   REFUND_UPDATE_GOLDEN=1 build/tests/engine/engine_test
//       --gtest_filter='DecisionGoldenTest.*'

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/base/sha256.h"
#include "engine/load/bundle_loader.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "tests/testing/policy_requests.h"
#include "tests/testing/request_mutator.h"

namespace refund {
namespace {

constexpr int kVariationsPerCase = 8;
constexpr char kGoldenPath[] =
    REFUND_TESTDATA_DIR "/golden_bundle_decisions.golden";
constexpr char kGoldenBundle[] = REFUND_TESTDATA_DIR "/golden_bundle";

std::string Deterministic(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream out(&stream);
  out.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&out);
  out.Trim();
  return bytes;
}

// A seed from the case's key that is the same on every platform.
uint64_t Fnv1a(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

struct GoldenCase {
  std::string key;
  v1::RefundRequest request;
};

std::vector<GoldenCase> Cases() {
  auto requests =
      testing::ReadPolicyRequests(absl::StrCat(kGoldenBundle, "/tests"));
  EXPECT_TRUE(requests.ok()) << requests.status();
  std::vector<GoldenCase> cases;
  for (const testing::PolicyRequest& base : *requests) {
    const std::string key = absl::StrCat(base.file, ":", base.index);
    cases.push_back({key + "#0", base.request});
    testing::SplitMix64 rng(Fnv1a(key));
    for (int k = 1; k <= kVariationsPerCase; ++k) {
      cases.push_back({absl::StrCat(key, "#", k),
                       testing::MutateRequest(base.request, rng)});
    }
  }
  return cases;
}

std::string Outcome(const CompiledBundle& bundle,
                    const v1::RefundRequest& request) {
  absl::StatusOr<v1::Decision> decision = bundle.Decide(request);
  if (!decision.ok()) return "error " + Sha256Hex(decision.status().ToString());
  return Sha256Hex(Deterministic(*decision));
}

TEST(DecisionGoldenTest, FrozenBundleDecisionsAreByteIdentical) {
  auto bundle = LoadBundleFromDirectory(kGoldenBundle);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  const std::vector<GoldenCase> cases = Cases();
  ASSERT_GT(cases.size(), 100u);

  if (std::getenv("REFUND_UPDATE_GOLDEN") != nullptr) {
    std::ofstream out(kGoldenPath);
    for (const GoldenCase& c : cases) {
      out << c.key << " " << Outcome(**bundle, c.request) << "\n";
    }
    GTEST_SKIP() << "wrote " << kGoldenPath;
  }

  std::map<std::string, std::string> golden;
  std::ifstream in(kGoldenPath);
  ASSERT_TRUE(in.good()) << "missing " << kGoldenPath;
  std::string key;
  std::string value;
  while (in >> key) {
    std::getline(in, value);
    golden[key] = value.substr(1);
  }
  ASSERT_EQ(golden.size(), cases.size());
  int mismatches = 0;
  for (const GoldenCase& c : cases) {
    const std::string actual = Outcome(**bundle, c.request);
    if (actual == golden[c.key]) continue;
    if (++mismatches > 3) continue;
    absl::StatusOr<v1::Decision> decision = (*bundle)->Decide(c.request);
    ADD_FAILURE() << c.key << " differs from the golden decision.\nrequest:\n"
                  << c.request.DebugString() << "\ndecision now:\n"
                  << (decision.ok() ? decision->DebugString()
                                    : decision.status().ToString());
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace refund

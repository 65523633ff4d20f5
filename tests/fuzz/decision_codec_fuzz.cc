// libFuzzer target: arbitrary bytes as a stored decision blob of a
// compressed row (a decision log file may have been edited), decompressed
// with the test bundle's decision dictionary. It must answer DATA_LOSS or
// give bytes, never crash, over-read or allocate beyond the limit.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/load/bundle_loader.h"
#include "server/log/decision_codec.h"
#include "server/log/decision_dictionary.h"
#include "tests/testing/test_bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const refund::server::DecisionDecompressor* decompressor = [] {
    auto bundle = refund::LoadBundle(refund::testing::TestBundleFiles());
    return refund::server::DecisionDecompressor::Create(
               refund::server::BuildDecisionDictionary(**bundle))
        ->release();
  }();
  auto decision = decompressor->Decompress(
      std::string(reinterpret_cast<const char*>(data), size));
  if (decision.ok()) {
    refund::v1::Decision parsed;
    (void)parsed.ParseFromString(*decision);
  }
  return 0;
}

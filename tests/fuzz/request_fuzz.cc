// libFuzzer target: arbitrary bytes as a serialized RefundRequest, decided on
// the test bundle. Validation must refuse what is malformed; evaluation must
// never crash or trip a sanitizer (overflow, out-of-range times).
#include <cstddef>
#include <cstdint>

#include "engine/load/bundle_loader.h"
#include "tests/testing/test_bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const refund::CompiledBundle* bundle =
      refund::LoadBundle(refund::testing::TestBundleFiles())->release();
  refund::v1::RefundRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto decision = bundle->Decide(request);
  (void)decision;
  return 0;
}

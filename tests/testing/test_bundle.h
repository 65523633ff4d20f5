// A small bundle for engine tests, written in the bundle's own file format,
// and a request builder.
#ifndef TESTS_TESTING_TEST_BUNDLE_H_
#define TESTS_TESTING_TEST_BUNDLE_H_

#include <string>
#include <vector>

#include "engine/load/bundle_loader.h"
#include "refund/v1/refund.pb.h"

namespace refund::testing {

// bundle.textproto + catalog.textproto + rules.textproto.
std::vector<BundleSourceFile> TestBundleFiles();

// A valid 7-day return: delivered 2026-05-01 12:00 +08:00, applied and
// evaluated 2026-05-03 10:00 +08:00, ¥129.00 paid and requested.
v1::RefundRequest SevenDayReturn();

// "2026-05-01T12:00:00+08:00" -> Timestamp.
google::protobuf::Timestamp At(const std::string& rfc3339);

}  // namespace refund::testing

#endif  // TESTS_TESTING_TEST_BUNDLE_H_

// The requests of the end-to-end tests: one delivered order (a ¥129.00
// T-shirt, delivered three days before), returned in several ways, all made
// at EvaluatedAt().
#ifndef TESTS_E2E_E2E_REQUESTS_H_
#define TESTS_E2E_E2E_REQUESTS_H_

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "refund/v1/service.pb.h"

namespace refund::e2e {

google::protobuf::Timestamp At(absl::Time time);

// 2026-03-10 10:00 in Shanghai.
absl::Time EvaluatedAt();

// A delivered order, a seven-day no-reason return applied for three days
// after delivery, in shop-1; the refund and order ids derive from
// `request_id`.
v1::RefundRequest SevenDayReturn(const std::string& request_id);

// SevenDayReturn sent back (shipped 48 hours and received 2 hours before
// EvaluatedAt) under `tracking_number` and inspected: one `received_sku` came
// back.
v1::RefundRequest ReturnedAndInspected(const std::string& request_id,
                                       const std::string& tracking_number,
                                       const std::string& received_sku);

// An inspected return missing its gift: NEGOTIATE, ¥129.00 less the ¥15.00
// gift.
v1::RefundRequest ReturnWithoutGift(const std::string& request_id);

// A return (reason OTHER) whose parcel came back empty, with no evidence.
v1::RefundRequest EmptyParcelReturn(const std::string& request_id);

// `request` wrapped for the Decide RPC.
v1::DecideRequest Decide(const v1::RefundRequest& request);

}  // namespace refund::e2e

#endif  // TESTS_E2E_E2E_REQUESTS_H_

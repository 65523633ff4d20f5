#include "tests/e2e/e2e_requests.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace refund::e2e {
namespace {

v1::Money Fen(int64_t minor_units) {
  v1::Money money;
  money.set_currency("CNY");
  money.set_minor_units(minor_units);
  return money;
}

// Sent back under `tracking_number`: shipped 48 hours and received 2 hours
// before EvaluatedAt.
void AddReturnShipment(const std::string& tracking_number,
                       v1::RefundRequest* request) {
  v1::ReturnShipment* shipment = request->mutable_return_shipment();
  shipment->set_tracking_number(tracking_number);
  *shipment->mutable_shipped_at() = At(EvaluatedAt() - absl::Hours(48));
  *shipment->mutable_received_at() = At(EvaluatedAt() - absl::Hours(2));
}

}  // namespace

google::protobuf::Timestamp At(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(time));
  return timestamp;
}

absl::Time EvaluatedAt() {
  return absl::FromCivil(absl::CivilSecond(2026, 3, 10, 10, 0, 0),
                         absl::FixedTimeZone(8 * 3600));
}

v1::RefundRequest SevenDayReturn(const std::string& request_id) {
  const absl::Time now = EvaluatedAt();
  v1::RefundRequest request;
  request.set_request_id(request_id);
  request.set_refund_id(absl::StrCat("refund-", request_id));
  request.set_shop_id("shop-1");
  request.set_platform(v1::PLATFORM_DOUYIN);
  request.set_type(v1::REQUEST_TYPE_RETURN_AND_REFUND);
  request.set_reason(v1::REASON_NO_REASON);
  *request.mutable_requested_amount() = Fen(12900);
  v1::Order* order = request.mutable_order();
  order->set_order_id(absl::StrCat("order-", request_id));
  v1::LineItem* item = order->add_items();
  item->set_sku("SKU-SHIRT");
  item->set_title("T-shirt");
  item->set_category("apparel");
  item->set_quantity(1);
  *item->mutable_unit_price() = Fen(12900);
  *order->mutable_paid_amount() = Fen(12900);
  *order->mutable_paid_at() = At(now - absl::Hours(24 * 7));
  *order->mutable_shipped_at() = At(now - absl::Hours(24 * 6));
  *order->mutable_delivered_at() = At(now - absl::Hours(24 * 3));
  *request.mutable_applied_at() = At(now - absl::Hours(1));
  *request.mutable_requested_at() = At(now);
  return request;
}

v1::RefundRequest ReturnedAndInspected(const std::string& request_id,
                                       const std::string& tracking_number,
                                       const std::string& received_sku) {
  v1::RefundRequest request = SevenDayReturn(request_id);
  AddReturnShipment(tracking_number, &request);
  v1::Inspection* inspection = request.mutable_inspection();
  inspection->set_inspected(true);
  v1::ReceivedItem* received = inspection->add_received_items();
  received->set_sku(received_sku);
  received->set_quantity(1);
  return request;
}

v1::RefundRequest ReturnWithoutGift(const std::string& request_id) {
  v1::RefundRequest request =
      ReturnedAndInspected(request_id, "SF456", "SKU-SHIRT");
  v1::LineItem* gift = request.mutable_order()->add_items();
  gift->set_sku("SKU-GIFT");
  gift->set_title("gift mug");
  gift->set_quantity(1);
  gift->set_is_gift(true);
  *gift->mutable_unit_price() = Fen(0);
  *gift->mutable_gift_value() = Fen(1500);
  return request;
}

v1::RefundRequest EmptyParcelReturn(const std::string& request_id) {
  v1::RefundRequest request = SevenDayReturn(request_id);
  request.set_reason(v1::REASON_OTHER);
  AddReturnShipment("SF123", &request);
  request.mutable_inspection()->set_inspected(true);
  request.mutable_inspection()->set_empty_package(true);
  return request;
}

v1::DecideRequest Decide(const v1::RefundRequest& request) {
  v1::DecideRequest decide;
  *decide.mutable_request() = request;
  return decide;
}

}  // namespace refund::e2e

#include "engine/decide/unknown_fields.h"

#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/unknown_field_set.h"

namespace refund {
namespace {

template <typename M>
bool Unknown(const M& message) {
  static const google::protobuf::Reflection* const reflection =
      M::GetReflection();
  return !reflection->GetUnknownFields(message).empty();
}

// A singular message field: only a present one can hold anything.
template <typename M>
bool UnknownIn(bool present, const M& message) {
  return present && Unknown(message);
}

bool UnknownInMoney(bool present, const v1::Money& money) {
  return UnknownIn(present, money);
}

bool UnknownInTime(bool present, const google::protobuf::Timestamp& time) {
  return UnknownIn(present, time);
}

bool UnknownInOrder(const v1::Order& order) {
  if (Unknown(order) ||
      UnknownInMoney(order.has_paid_amount(), order.paid_amount()) ||
      UnknownInTime(order.has_paid_at(), order.paid_at()) ||
      UnknownInTime(order.has_shipped_at(), order.shipped_at()) ||
      UnknownInTime(order.has_delivered_at(), order.delivered_at())) {
    return true;
  }
  for (const v1::LineItem& item : order.items()) {
    if (Unknown(item) ||
        UnknownInMoney(item.has_unit_price(), item.unit_price()) ||
        UnknownInMoney(item.has_gift_value(), item.gift_value())) {
      return true;
    }
  }
  return false;
}

bool UnknownInReturn(const v1::ReturnShipment& shipment) {
  return Unknown(shipment) ||
         UnknownInTime(shipment.has_shipped_at(), shipment.shipped_at()) ||
         UnknownInTime(shipment.has_received_at(), shipment.received_at());
}

bool UnknownInInspection(const v1::Inspection& inspection) {
  if (Unknown(inspection)) return true;
  for (const v1::ReceivedItem& item : inspection.received_items()) {
    if (Unknown(item)) return true;
  }
  return false;
}

bool UnknownInRefundItems(const v1::RefundRequest& request) {
  for (const v1::RefundItem& item : request.refund_items()) {
    if (Unknown(item)) return true;
  }
  return false;
}

}  // namespace

bool HasUnknownFields(const v1::RefundRequest& request) {
  return Unknown(request) ||
         UnknownInMoney(request.has_requested_amount(),
                        request.requested_amount()) ||
         (request.has_order() && UnknownInOrder(request.order())) ||
         (request.has_return_shipment() &&
          UnknownInReturn(request.return_shipment())) ||
         (request.has_inspection() &&
          UnknownInInspection(request.inspection())) ||
         UnknownIn(request.has_buyer(), request.buyer()) ||
         UnknownIn(request.has_flags(), request.flags()) ||
         UnknownInTime(request.has_applied_at(), request.applied_at()) ||
         UnknownInTime(request.has_requested_at(), request.requested_at()) ||
         UnknownInTime(request.has_after_sale_deadline(),
                       request.after_sale_deadline()) ||
         UnknownInRefundItems(request);
}

}  // namespace refund

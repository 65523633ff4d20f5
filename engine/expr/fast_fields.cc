#include "engine/expr/fast_fields.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/timestamp.pb.h"
#include "refund/v1/refund.pb.h"

namespace refund::expr {
namespace {

using google::protobuf::Message;

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

struct Entry {
  const google::protobuf::Descriptor* (*type)();
  const char* field;
  FieldAccessor accessor;
};

template <typename T>
const T& As(const Message& m) {
  return static_cast<const T&>(m);
}

// One line per field: the generated accessor, wrapped as a plain function.
#define REFUND_INT(T, f)                                                 \
  Entry {                                                                \
    &T::descriptor, #f, {                                                \
      nullptr, [](const Message& m) -> int64_t { return As<T>(m).f(); }, \
          nullptr, nullptr, nullptr                                      \
    }                                                                    \
  }
#define REFUND_STRING(T, f)                                                  \
  Entry {                                                                    \
    &T::descriptor, #f, {                                                    \
      nullptr, nullptr, nullptr,                                             \
          [](const Message& m) -> std::string_view { return As<T>(m).f(); }, \
          nullptr                                                            \
    }                                                                        \
  }
#define REFUND_MESSAGE(T, f)                                            \
  Entry {                                                               \
    &T::descriptor, #f, {                                               \
      [](const Message& m) -> const Message* { return &As<T>(m).f(); }, \
          nullptr, nullptr, nullptr,                                    \
          [](const Message& m) { return As<T>(m).has_##f(); }           \
    }                                                                   \
  }
#define REFUND_MONEY(T, f)                                              \
  Entry {                                                               \
    &T::descriptor, #f, {                                               \
      [](const Message& m) -> const Message* { return &As<T>(m).f(); }, \
          [](const Message& m) -> int64_t {                             \
            return As<T>(m).f().minor_units();                          \
          },                                                            \
          nullptr, nullptr,                                             \
          [](const Message& m) { return As<T>(m).has_##f(); }           \
    }                                                                   \
  }
#define REFUND_TIME(T, f)                                                      \
  Entry {                                                                      \
    &T::descriptor, #f, {                                                      \
      [](const Message& m) -> const Message* { return &As<T>(m).f(); },        \
          nullptr,                                                             \
          [](const Message& m) -> absl::Time { return TimeOf(As<T>(m).f()); }, \
          nullptr, [](const Message& m) { return As<T>(m).has_##f(); }         \
    }                                                                          \
  }

#define REFUND_REPEATED_MESSAGE(T, f)                           \
  Entry {                                                       \
    &T::descriptor, #f, {                                       \
      nullptr, nullptr, nullptr, nullptr, nullptr,              \
          [](const Message& m) { return As<T>(m).f##_size(); }, \
          [](const Message& m, int i) -> const Message* {       \
            return &As<T>(m).f(i);                              \
          },                                                    \
          nullptr                                               \
    }                                                           \
  }
#define REFUND_REPEATED_ENUM(T, f)                                         \
  Entry {                                                                  \
    &T::descriptor, #f, {                                                  \
      nullptr, nullptr, nullptr, nullptr, nullptr,                         \
          [](const Message& m) { return As<T>(m).f##_size(); }, nullptr,   \
          [](const Message& m, int i) -> int64_t { return As<T>(m).f(i); } \
    }                                                                      \
  }

absl::flat_hash_map<const google::protobuf::FieldDescriptor*, FieldAccessor>*
BuildTable() {
  using v1::BuyerProfile;
  using v1::CaseFlags;
  using v1::Inspection;
  using v1::LineItem;
  using v1::Order;
  using v1::ReceivedItem;
  using v1::RefundItem;
  using v1::RefundRequest;
  using v1::ReturnShipment;
  const Entry entries[] = {
      REFUND_STRING(RefundRequest, request_id),
      REFUND_STRING(RefundRequest, refund_id),
      REFUND_STRING(RefundRequest, shop_id),
      REFUND_INT(RefundRequest, platform),
      REFUND_INT(RefundRequest, type),
      REFUND_INT(RefundRequest, reason),
      REFUND_MONEY(RefundRequest, requested_amount),
      REFUND_MESSAGE(RefundRequest, order),
      REFUND_MESSAGE(RefundRequest, return_shipment),
      REFUND_MESSAGE(RefundRequest, inspection),
      REFUND_MESSAGE(RefundRequest, buyer),
      REFUND_MESSAGE(RefundRequest, flags),
      REFUND_TIME(RefundRequest, applied_at),
      REFUND_TIME(RefundRequest, requested_at),
      REFUND_TIME(RefundRequest, after_sale_deadline),
      REFUND_STRING(RefundRequest, locale),
      REFUND_REPEATED_ENUM(RefundRequest, evidence),
      REFUND_REPEATED_MESSAGE(RefundRequest, refund_items),
      REFUND_REPEATED_MESSAGE(Order, items),
      REFUND_REPEATED_MESSAGE(Inspection, received_items),
      REFUND_REPEATED_ENUM(Inspection, resale_defects),
      REFUND_STRING(Order, order_id),
      REFUND_MONEY(Order, paid_amount),
      REFUND_TIME(Order, paid_at),
      REFUND_TIME(Order, shipped_at),
      REFUND_TIME(Order, delivered_at),
      REFUND_INT(Order, shipping_insurance),
      REFUND_INT(Order, flash_sale),
      REFUND_STRING(ReturnShipment, tracking_number),
      REFUND_TIME(ReturnShipment, shipped_at),
      REFUND_TIME(ReturnShipment, received_at),
      REFUND_INT(ReturnShipment, parcel_abnormal),
      REFUND_INT(Inspection, inspected),
      REFUND_INT(Inspection, empty_package),
      REFUND_INT(Inspection, damage_cause),
      REFUND_INT(Inspection, quality_defect_confirmed),
      REFUND_INT(Inspection, lost_by_courier),
      REFUND_STRING(BuyerProfile, buyer_id),
      REFUND_INT(BuyerProfile, orders_90d),
      REFUND_INT(BuyerProfile, refunds_90d),
      REFUND_INT(BuyerProfile, refund_only_90d),
      REFUND_INT(BuyerProfile, reported_malicious),
      REFUND_INT(BuyerProfile, blacklisted),
      REFUND_INT(CaseFlags, platform_intervention),
      REFUND_INT(CaseFlags, urgent),
      REFUND_INT(CaseFlags, force_majeure),
      REFUND_INT(CaseFlags, negotiated_with_buyer),
      REFUND_INT(CaseFlags, buyer_unreachable),
      REFUND_INT(CaseFlags, complaint_threat),
      REFUND_INT(CaseFlags, influencer_misleading),
      REFUND_INT(CaseFlags, unqualified_product),
      REFUND_STRING(LineItem, sku),
      REFUND_STRING(LineItem, title),
      REFUND_STRING(LineItem, category),
      REFUND_INT(LineItem, quantity),
      REFUND_MONEY(LineItem, unit_price),
      REFUND_INT(LineItem, is_gift),
      REFUND_MONEY(LineItem, gift_value),
      REFUND_INT(LineItem, no_reason_return_exempt),
      REFUND_STRING(ReceivedItem, sku),
      REFUND_INT(ReceivedItem, quantity),
      REFUND_STRING(RefundItem, sku),
      REFUND_INT(RefundItem, quantity),
      REFUND_REPEATED_ENUM(RefundItem, claims),
  };
  auto* table =
      new absl::flat_hash_map<const google::protobuf::FieldDescriptor*,
                              FieldAccessor>();
  for (const Entry& entry : entries) {
    const auto* field = entry.type()->FindFieldByName(entry.field);
    // An entry must match the field's shape (a safety net against editing
    // mistakes in the list above; the compiler checks the accessor names).
    if (field == nullptr ||
        field->is_repeated() != (entry.accessor.size != nullptr)) {
      continue;
    }
    table->emplace(field, entry.accessor);
  }
  return table;
}

#undef REFUND_INT
#undef REFUND_STRING
#undef REFUND_MESSAGE
#undef REFUND_MONEY
#undef REFUND_TIME
#undef REFUND_REPEATED_MESSAGE
#undef REFUND_REPEATED_ENUM

}  // namespace

const FieldAccessor* FindFieldAccessor(
    const google::protobuf::FieldDescriptor* field) {
  static const auto* table = BuildTable();
  auto it = table->find(field);
  return it == table->end() ? nullptr : &it->second;
}

}  // namespace refund::expr

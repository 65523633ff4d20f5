#include "tests/testing/request_generator.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace refund::testing {
namespace {

google::protobuf::Timestamp At(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(time));
  return timestamp;
}

v1::Money Fen(int64_t minor_units) {
  v1::Money money;
  money.set_currency("CNY");
  money.set_minor_units(minor_units);
  return money;
}

}  // namespace

int RequestGenerator::Uniform(int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng_);
}

bool RequestGenerator::Chance(int percent) {
  return Uniform(1, 100) <= percent;
}

v1::RefundRequest RequestGenerator::Next(const std::string& prefix) {
  const int64_t n = ++counter_;
  v1::RefundRequest request;
  request.set_request_id(absl::StrCat(prefix, "-req-", n));
  request.set_refund_id(absl::StrCat(prefix, "-rf-", n));
  request.set_shop_id(absl::StrCat("shop-", Uniform(1, 5)));
  request.set_platform(static_cast<v1::Platform>(Uniform(1, 5)));
  request.set_type(static_cast<v1::RequestType>(Uniform(1, 5)));
  request.set_reason(static_cast<v1::Reason>(Uniform(1, 11)));
  if (Chance(30)) request.set_locale("en");

  // Times: paid, shipped a day or two later, delivered (mostly), the
  // application 0-20 days after delivery (around the 7- and 15-day
  // windows), evaluated a little later, at any hour (quiet hours).
  const absl::Time paid =
      absl::FromCivil(absl::CivilMinute(2026, Uniform(1, 11), Uniform(1, 28),
                                        Uniform(0, 23), Uniform(0, 59)),
                      absl::FixedTimeZone(8 * 3600));
  v1::Order* order = request.mutable_order();
  order->set_order_id(absl::StrCat(prefix, "-order-", n));
  *order->mutable_paid_at() = At(paid);
  absl::Time last = paid;
  const bool shipped = Chance(90);
  const bool delivered = shipped && Chance(85);
  if (shipped) {
    last = paid + absl::Hours(Uniform(2, 60));
    *order->mutable_shipped_at() = At(last);
  }
  if (delivered) {
    last = last + absl::Hours(Uniform(12, 120));
    *order->mutable_delivered_at() = At(last);
  }
  const absl::Time applied = last + absl::Minutes(Uniform(10, 20 * 24 * 60));
  *request.mutable_applied_at() = At(applied);
  absl::Time requested = applied + absl::Minutes(Uniform(0, 3 * 24 * 60));
  order->set_shipping_insurance(Chance(40));
  order->set_flash_sale(Chance(10));

  // Items: one to three, sometimes a gift, sometimes exempt from 7 days.
  static const char* const kCategories[] = {"apparel", "food", "cosmetics",
                                            "electronics", "home"};
  int64_t paid_total = 0;
  const int items = Uniform(1, 3);
  for (int i = 0; i < items; ++i) {
    v1::LineItem* item = order->add_items();
    item->set_sku(absl::StrCat("SKU-", Uniform(1, 50)));
    item->set_title(absl::StrCat("item ", i));
    item->set_category(kCategories[Uniform(0, 4)]);
    item->set_quantity(Uniform(1, 3));
    const int64_t price = 100 * Uniform(5, 800);
    *item->mutable_unit_price() = Fen(price);
    if (i > 0 && Chance(30)) {
      item->set_is_gift(true);
      *item->mutable_unit_price() = Fen(0);
      *item->mutable_gift_value() = Fen(100 * Uniform(5, 60));
    } else {
      paid_total += price * item->quantity();
    }
    item->set_no_reason_return_exempt(Chance(8));
  }
  *order->mutable_paid_amount() = Fen(paid_total);
  int64_t asked = paid_total;
  if (Chance(35)) asked = paid_total * Uniform(1, 99) / 100;
  *request.mutable_requested_amount() = Fen(asked);

  // The return and its inspection, for returns only.
  if (request.type() == v1::REQUEST_TYPE_RETURN_AND_REFUND ||
      request.type() == v1::REQUEST_TYPE_EXCHANGE) {
    if (Chance(60)) {
      v1::ReturnShipment* shipment = request.mutable_return_shipment();
      shipment->set_tracking_number(absl::StrCat("SF", n));
      const absl::Time sent = applied + absl::Hours(Uniform(1, 48));
      *shipment->mutable_shipped_at() = At(sent);
      requested = std::max(requested, sent);
      if (Chance(70)) {
        const absl::Time received = sent + absl::Hours(Uniform(12, 96));
        *shipment->mutable_received_at() = At(received);
        requested = std::max(requested, received + absl::Hours(1));
        shipment->set_parcel_abnormal(Chance(10));
        v1::Inspection* inspection = request.mutable_inspection();
        inspection->set_inspected(Chance(80));
        inspection->set_empty_package(Chance(5));
        for (const v1::LineItem& item : order->items()) {
          if (Chance(85)) {
            v1::ReceivedItem* got = inspection->add_received_items();
            got->set_sku(item.sku());
            got->set_quantity(item.quantity());
          }
        }
        for (int d = 1; d <= 8; ++d) {
          if (Chance(7)) {
            inspection->add_resale_defects(static_cast<v1::ResaleDefect>(d));
          }
        }
        if (Chance(30)) {
          inspection->set_damage_cause(
              static_cast<v1::DamageCause>(Uniform(1, 3)));
        }
        inspection->set_quality_defect_confirmed(Chance(15));
        inspection->set_lost_by_courier(Chance(3));
      }
    }
  }
  *request.mutable_requested_at() = At(requested);
  if (Chance(30)) {
    *request.mutable_after_sale_deadline() =
        At(requested + absl::Hours(Uniform(1, 72)));
  }

  v1::BuyerProfile* buyer = request.mutable_buyer();
  buyer->set_buyer_id(absl::StrCat("buyer-", Uniform(1, 500)));
  buyer->set_orders_90d(Uniform(1, 40));
  buyer->set_refunds_90d(Uniform(0, static_cast<int>(buyer->orders_90d())));
  buyer->set_refund_only_90d(
      Uniform(0, static_cast<int>(buyer->refunds_90d())));
  buyer->set_reported_malicious(Chance(4));
  buyer->set_blacklisted(Chance(3));

  for (int kind = 1; kind <= 12; ++kind) {
    if (Chance(25)) request.add_evidence(static_cast<v1::EvidenceKind>(kind));
  }

  v1::CaseFlags* flags = request.mutable_flags();
  flags->set_platform_intervention(Chance(10));
  flags->set_urgent(Chance(5));
  flags->set_force_majeure(Chance(4));
  flags->set_negotiated_with_buyer(Chance(10));
  flags->set_buyer_unreachable(Chance(5));
  flags->set_complaint_threat(Chance(5));
  flags->set_influencer_misleading(Chance(3));
  return request;
}

}  // namespace refund::testing

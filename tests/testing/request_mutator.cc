#include "tests/testing/request_mutator.h"

#include <string>

namespace refund::testing {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 24 * kHour;

void ShiftTime(google::protobuf::Timestamp* t, int64_t seconds) {
  t->set_seconds(t->seconds() + seconds);
}

// A shift of up to +-10 days, in whole hours.
int64_t RandomShift(SplitMix64& rng) {
  return (static_cast<int64_t>(rng.Below(481)) - 240) * kHour;
}

}  // namespace

uint64_t SplitMix64::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

v1::RefundRequest MutateRequest(const v1::RefundRequest& base,
                                SplitMix64& rng) {
  v1::RefundRequest r = base;
  const int changes = 1 + static_cast<int>(rng.Below(4));
  for (int c = 0; c < changes; ++c) {
    switch (rng.Below(16)) {
      case 0:
        r.set_reason(static_cast<v1::Reason>(1 + rng.Below(11)));
        break;
      case 1:
        r.set_type(static_cast<v1::RequestType>(1 + rng.Below(5)));
        break;
      case 2:
        r.set_platform(static_cast<v1::Platform>(1 + rng.Below(5)));
        break;
      case 3:
        r.set_shop_id("shop-" + std::to_string(rng.Below(5)));
        break;
      case 4: {
        // One of the case flags, toggled.
        const google::protobuf::Reflection* reflection =
            r.flags().GetReflection();
        const google::protobuf::FieldDescriptor* field =
            v1::CaseFlags::descriptor()->field(static_cast<int>(
                rng.Below(v1::CaseFlags::descriptor()->field_count())));
        reflection->SetBool(r.mutable_flags(), field,
                            !reflection->GetBool(r.flags(), field));
        break;
      }
      case 5: {
        v1::Inspection* inspection = r.mutable_inspection();
        switch (rng.Below(5)) {
          case 0:
            inspection->set_inspected(!inspection->inspected());
            break;
          case 1:
            inspection->set_empty_package(!inspection->empty_package());
            break;
          case 2:
            inspection->set_quality_defect_confirmed(
                !inspection->quality_defect_confirmed());
            break;
          case 3:
            inspection->set_lost_by_courier(!inspection->lost_by_courier());
            break;
          default:
            inspection->add_resale_defects(
                static_cast<v1::ResaleDefect>(1 + rng.Below(8)));
            break;
        }
        break;
      }
      case 6:
        r.mutable_buyer()->set_reported_malicious(
            !r.buyer().reported_malicious());
        break;
      case 7:
        r.mutable_buyer()->set_blacklisted(!r.buyer().blacklisted());
        break;
      case 8:
        if (r.evidence_size() > 0 && rng.OneIn(2)) {
          r.mutable_evidence()->RemoveLast();
        } else {
          r.add_evidence(static_cast<v1::EvidenceKind>(1 + rng.Below(12)));
        }
        break;
      case 9:
        r.mutable_requested_amount()->set_minor_units(
            static_cast<int64_t>(rng.Below(20000)));
        break;
      case 10:
        ShiftTime(r.mutable_requested_at(), RandomShift(rng));
        break;
      case 11:
        if (r.order().has_delivered_at()) {
          if (rng.OneIn(3)) {
            r.mutable_order()->clear_delivered_at();
          } else {
            ShiftTime(r.mutable_order()->mutable_delivered_at(),
                      RandomShift(rng));
          }
        }
        break;
      case 12: {
        static constexpr const char* kLocales[] = {"zh-CN", "en", "fr", ""};
        r.set_locale(kLocales[rng.Below(4)]);
        break;
      }
      case 13:
        if (rng.OneIn(2)) {
          r.clear_after_sale_deadline();
        } else {
          *r.mutable_after_sale_deadline() = r.requested_at();
          ShiftTime(r.mutable_after_sale_deadline(),
                    static_cast<int64_t>(rng.Below(3 * kDay)));
        }
        break;
      case 14:
        r.mutable_return_shipment()->set_parcel_abnormal(
            !r.return_shipment().parcel_abnormal());
        break;
      default:
        if (r.order().items_size() > 0) {
          v1::LineItem* item = r.mutable_order()->mutable_items(
              static_cast<int>(rng.Below(r.order().items_size())));
          item->set_is_gift(!item->is_gift());
        }
        break;
    }
  }
  return r;
}

}  // namespace refund::testing

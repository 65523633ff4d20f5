#include "engine/decide/request_validator.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/base/status_macros.h"
#include "engine/decide/text_rules.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace refund {
namespace {

using google::protobuf::Timestamp;

// Builds "prefix.field: message" errors. A path is a chain of segments on
// the stack, turned into text only for an error: a valid request (the common
// case) allocates nothing. A child refers to its parent, which must outlive
// it (keep both in named variables, or in one full expression).
class FieldPath {
 public:
  explicit FieldPath(absl::string_view root) : name_(root) {}
  FieldPath Child(absl::string_view name) const {
    return FieldPath(this, name, -1);
  }
  FieldPath Index(int i) const { return FieldPath(this, {}, i); }
  absl::Status Error(absl::string_view message) const {
    std::string text;
    AppendTo(&text);
    absl::StrAppend(&text, ": ", message);
    return absl::InvalidArgumentError(text);
  }

 private:
  FieldPath(const FieldPath* parent, absl::string_view name, int index)
      : parent_(parent), name_(name), index_(index) {}
  void AppendTo(std::string* out) const {
    if (parent_ == nullptr) {
      absl::StrAppend(out, name_);
    } else if (index_ >= 0) {
      parent_->AppendTo(out);
      absl::StrAppend(out, "[", index_, "]");
    } else {
      parent_->AppendTo(out);
      absl::StrAppend(out, ".", name_);
    }
  }

  const FieldPath* parent_ = nullptr;
  absl::string_view name_;
  int index_ = -1;
};

absl::Status CheckText(const FieldPath& path, const std::string& value,
                       size_t max_length, bool required,
                       TextKind kind = TextKind::kId) {
  if (required && value.empty()) return path.Error("required");
  if (value.size() > max_length) {
    return path.Error(absl::StrCat("longer than ", max_length, " bytes"));
  }
  const TextCheck check = CheckCharacters(value, kind);
  if (check.problem != TextProblem::kNone) {
    return path.Error(DescribeTextProblem(check));
  }
  return absl::OkStatus();
}

absl::Status CheckMoney(const FieldPath& path, const v1::Money& money) {
  if (money.minor_units() < 0)
    return path.Child("minor_units").Error("negative");
  if (money.minor_units() > kMaxMinorUnits) {
    return path.Child("minor_units")
        .Error(absl::StrCat("above the limit of ", kMaxMinorUnits));
  }
  const std::string& currency = money.currency();
  if (!currency.empty()) {
    bool ok = currency.size() == 3;
    for (char c : currency) ok = ok && c >= 'A' && c <= 'Z';
    if (!ok) {
      return path.Child("currency")
          .Error("not an ISO 4217 code (e.g. \"CNY\")");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTimestamp(const FieldPath& path, const Timestamp& t) {
  using google::protobuf::util::TimeUtil;
  if (t.seconds() < TimeUtil::kTimestampMinSeconds ||
      t.seconds() > TimeUtil::kTimestampMaxSeconds) {
    return path.Error("seconds out of range (years 0001-9999)");
  }
  if (t.nanos() < 0 || t.nanos() > 999'999'999) {
    return path.Error("nanos out of range");
  }
  return absl::OkStatus();
}

bool Before(const Timestamp& a, const Timestamp& b) {
  return a.seconds() < b.seconds() ||
         (a.seconds() == b.seconds() && a.nanos() < b.nanos());
}

// `later` (when set) must not be before `earlier` (when set).
absl::Status CheckOrder(const FieldPath& later_path, bool has_later,
                        const Timestamp& later, absl::string_view earlier_name,
                        bool has_earlier, const Timestamp& earlier) {
  if (has_later && has_earlier && Before(later, earlier)) {
    return later_path.Error(absl::StrCat("before ", earlier_name));
  }
  return absl::OkStatus();
}

template <typename IsValid>
absl::Status CheckEnum(const FieldPath& path, int value, IsValid is_valid) {
  if (!is_valid(value)) {
    return path.Error(absl::StrCat("unknown enum value ", value));
  }
  return absl::OkStatus();
}

// An enum the request cannot do without: its UNSPECIFIED (0) is refused.
template <typename IsValid>
absl::Status CheckRequiredEnum(const FieldPath& path, int value,
                               IsValid is_valid) {
  if (value == 0) return path.Error("required");
  return CheckEnum(path, value, is_valid);
}

// The sum of quantity x unit_price over the lines, in checked arithmetic:
// false when it does not fit in an int64. Lines must be valid (quantities
// and prices non-negative).
bool LinesTotal(const v1::Order& order, int64_t* total) {
  int64_t sum = 0;
  for (const v1::LineItem& item : order.items()) {
    int64_t line = 0;
    if (__builtin_mul_overflow(item.quantity(), item.unit_price().minor_units(),
                               &line) ||
        __builtin_add_overflow(sum, line, &sum)) {
      return false;
    }
  }
  *total = sum;
  return true;
}

// The lines may add up to at most kMaxLinesToPaidRatio times what was paid
// (request_validator.h). `paid` must be valid (0 to kMaxMinorUnits).
bool LinesTotalOk(const v1::Order& order) {
  int64_t total = 0;
  return LinesTotal(order, &total) &&
         total <= kMaxLinesToPaidRatio * order.paid_amount().minor_units();
}

// The latest of the order's moments that is set (delivered, shipped, paid),
// with its name; nullptr when none is.
const Timestamp* LatestOrderMoment(const v1::Order& order,
                                   absl::string_view* name) {
  if (order.has_delivered_at()) {
    *name = "order.delivered_at";
    return &order.delivered_at();
  }
  if (order.has_shipped_at()) {
    *name = "order.shipped_at";
    return &order.shipped_at();
  }
  if (order.has_paid_at()) {
    *name = "order.paid_at";
    return &order.paid_at();
  }
  return nullptr;
}

absl::Status CheckQuantity(const FieldPath& path, int64_t quantity) {
  if (quantity < 0) return path.Error("negative");
  if (quantity > kMaxQuantity) {
    return path.Error(absl::StrCat("above the limit of ", kMaxQuantity));
  }
  return absl::OkStatus();
}

absl::Status CheckLineItem(const FieldPath& path, const v1::LineItem& item) {
  RETURN_IF_ERROR(
      CheckText(path.Child("sku"), item.sku(), kMaxIdLength, false));
  RETURN_IF_ERROR(CheckText(path.Child("title"), item.title(), kMaxTextLength,
                            false, TextKind::kText));
  RETURN_IF_ERROR(
      CheckText(path.Child("category"), item.category(), kMaxIdLength, false));
  RETURN_IF_ERROR(CheckQuantity(path.Child("quantity"), item.quantity()));
  RETURN_IF_ERROR(CheckMoney(path.Child("unit_price"), item.unit_price()));
  RETURN_IF_ERROR(CheckMoney(path.Child("gift_value"), item.gift_value()));
  return absl::OkStatus();
}

absl::Status CheckOrderFacts(const FieldPath& path, const v1::Order& order) {
  RETURN_IF_ERROR(
      CheckText(path.Child("order_id"), order.order_id(), kMaxIdLength, false));
  if (order.items_size() > kMaxLineItems) {
    return path.Child("items").Error(
        absl::StrCat("more than ", kMaxLineItems, " items"));
  }
  const FieldPath items = path.Child("items");
  for (int i = 0; i < order.items_size(); ++i) {
    RETURN_IF_ERROR(CheckLineItem(items.Index(i), order.items(i)));
  }
  RETURN_IF_ERROR(CheckMoney(path.Child("paid_amount"), order.paid_amount()));
  if (!LinesTotalOk(order)) {
    int64_t total = 0;
    const bool fits = LinesTotal(order, &total);
    return items.Error(absl::StrCat(
        "quantity x unit_price adds up to ",
        fits ? absl::StrCat(total) : std::string("more than an int64 holds"),
        ", more than ", kMaxLinesToPaidRatio, " times order.paid_amount ",
        order.paid_amount().minor_units()));
  }
  RETURN_IF_ERROR(CheckTimestamp(path.Child("paid_at"), order.paid_at()));
  RETURN_IF_ERROR(CheckTimestamp(path.Child("shipped_at"), order.shipped_at()));
  RETURN_IF_ERROR(
      CheckTimestamp(path.Child("delivered_at"), order.delivered_at()));
  RETURN_IF_ERROR(CheckOrder(path.Child("shipped_at"), order.has_shipped_at(),
                             order.shipped_at(), "order.paid_at",
                             order.has_paid_at(), order.paid_at()));
  RETURN_IF_ERROR(CheckOrder(path.Child("delivered_at"),
                             order.has_delivered_at(), order.delivered_at(),
                             "order.shipped_at", order.has_shipped_at(),
                             order.shipped_at()));
  RETURN_IF_ERROR(CheckOrder(path.Child("delivered_at"),
                             order.has_delivered_at(), order.delivered_at(),
                             "order.paid_at", order.has_paid_at(),
                             order.paid_at()));
  return absl::OkStatus();
}

absl::Status CheckReturnShipment(const FieldPath& path,
                                 const v1::ReturnShipment& shipment,
                                 const v1::Order& order) {
  RETURN_IF_ERROR(CheckText(path.Child("tracking_number"),
                            shipment.tracking_number(), kMaxIdLength, false));
  RETURN_IF_ERROR(
      CheckTimestamp(path.Child("shipped_at"), shipment.shipped_at()));
  RETURN_IF_ERROR(
      CheckTimestamp(path.Child("received_at"), shipment.received_at()));
  // The parcel goes back after the order's last moment, and arrives after
  // it was sent (or, when that is not given, after the order's last moment).
  absl::string_view order_name;
  const Timestamp* order_latest = LatestOrderMoment(order, &order_name);
  RETURN_IF_ERROR(CheckOrder(
      path.Child("shipped_at"), shipment.has_shipped_at(),
      shipment.shipped_at(), order_name, order_latest != nullptr,
      order_latest != nullptr ? *order_latest : Timestamp::default_instance()));
  if (shipment.has_shipped_at()) {
    RETURN_IF_ERROR(
        CheckOrder(path.Child("received_at"), shipment.has_received_at(),
                   shipment.received_at(), "return_shipment.shipped_at", true,
                   shipment.shipped_at()));
  } else {
    RETURN_IF_ERROR(
        CheckOrder(path.Child("received_at"), shipment.has_received_at(),
                   shipment.received_at(), order_name, order_latest != nullptr,
                   order_latest != nullptr ? *order_latest
                                           : Timestamp::default_instance()));
  }
  return absl::OkStatus();
}

absl::Status CheckInspection(const FieldPath& path,
                             const v1::Inspection& inspection) {
  if (inspection.received_items_size() > kMaxReceivedItems) {
    return path.Child("received_items")
        .Error(absl::StrCat("more than ", kMaxReceivedItems, " items"));
  }
  const FieldPath received_items = path.Child("received_items");
  for (int i = 0; i < inspection.received_items_size(); ++i) {
    const FieldPath item_path = received_items.Index(i);
    const v1::ReceivedItem& item = inspection.received_items(i);
    RETURN_IF_ERROR(
        CheckText(item_path.Child("sku"), item.sku(), kMaxIdLength, false));
    RETURN_IF_ERROR(
        CheckQuantity(item_path.Child("quantity"), item.quantity()));
  }
  if (inspection.resale_defects_size() > kMaxResaleDefects) {
    return path.Child("resale_defects")
        .Error(absl::StrCat("more than ", kMaxResaleDefects, " entries"));
  }
  for (int i = 0; i < inspection.resale_defects_size(); ++i) {
    RETURN_IF_ERROR(CheckEnum(path.Child("resale_defects").Index(i),
                              inspection.resale_defects(i),
                              v1::ResaleDefect_IsValid));
  }
  RETURN_IF_ERROR(CheckEnum(path.Child("damage_cause"),
                            inspection.damage_cause(),
                            v1::DamageCause_IsValid));
  return absl::OkStatus();
}

absl::Status CheckBuyer(const FieldPath& path, const v1::BuyerProfile& buyer) {
  RETURN_IF_ERROR(
      CheckText(path.Child("buyer_id"), buyer.buyer_id(), kMaxIdLength, false));
  RETURN_IF_ERROR(CheckQuantity(path.Child("orders_90d"), buyer.orders_90d()));
  RETURN_IF_ERROR(
      CheckQuantity(path.Child("refunds_90d"), buyer.refunds_90d()));
  RETURN_IF_ERROR(
      CheckQuantity(path.Child("refund_only_90d"), buyer.refund_only_90d()));
  return absl::OkStatus();
}

// The boolean twins of the checks above: same conditions, no paths, no
// statuses.
bool TextOk(const std::string& value, size_t max_length, bool required,
            TextKind kind = TextKind::kId) {
  return !(required && value.empty()) && value.size() <= max_length &&
         CheckCharacters(value, kind).problem == TextProblem::kNone;
}

bool MoneyOk(const v1::Money& money) {
  if (money.minor_units() < 0 || money.minor_units() > kMaxMinorUnits) {
    return false;
  }
  const std::string& currency = money.currency();
  if (currency.empty()) return true;
  if (currency.size() != 3) return false;
  for (char c : currency) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

bool TimestampOk(const Timestamp& t) {
  using google::protobuf::util::TimeUtil;
  return t.seconds() >= TimeUtil::kTimestampMinSeconds &&
         t.seconds() <= TimeUtil::kTimestampMaxSeconds && t.nanos() >= 0 &&
         t.nanos() <= 999'999'999;
}

bool QuantityOk(int64_t quantity) {
  return quantity >= 0 && quantity <= kMaxQuantity;
}

// Neither set, or `later` not before `earlier`.
bool OrderOk(bool has_later, const Timestamp& later, bool has_earlier,
             const Timestamp& earlier) {
  return !(has_later && has_earlier && Before(later, earlier));
}

bool OrderFactsOk(const v1::Order& order) {
  if (!TextOk(order.order_id(), kMaxIdLength, false) ||
      order.items_size() > kMaxLineItems) {
    return false;
  }
  for (const v1::LineItem& item : order.items()) {
    if (!TextOk(item.sku(), kMaxIdLength, false) ||
        !TextOk(item.title(), kMaxTextLength, false, TextKind::kText) ||
        !TextOk(item.category(), kMaxIdLength, false) ||
        !QuantityOk(item.quantity()) || !MoneyOk(item.unit_price()) ||
        !MoneyOk(item.gift_value())) {
      return false;
    }
  }
  return MoneyOk(order.paid_amount()) && LinesTotalOk(order) &&
         TimestampOk(order.paid_at()) && TimestampOk(order.shipped_at()) &&
         TimestampOk(order.delivered_at()) &&
         OrderOk(order.has_shipped_at(), order.shipped_at(),
                 order.has_paid_at(), order.paid_at()) &&
         OrderOk(order.has_delivered_at(), order.delivered_at(),
                 order.has_shipped_at(), order.shipped_at()) &&
         OrderOk(order.has_delivered_at(), order.delivered_at(),
                 order.has_paid_at(), order.paid_at());
}

bool ReturnShipmentOk(const v1::ReturnShipment& shipment,
                      const v1::Order& order) {
  absl::string_view order_name;
  const Timestamp* order_latest = LatestOrderMoment(order, &order_name);
  const bool has_latest = order_latest != nullptr;
  const Timestamp& latest =
      has_latest ? *order_latest : Timestamp::default_instance();
  return TextOk(shipment.tracking_number(), kMaxIdLength, false) &&
         TimestampOk(shipment.shipped_at()) &&
         TimestampOk(shipment.received_at()) &&
         OrderOk(shipment.has_shipped_at(), shipment.shipped_at(), has_latest,
                 latest) &&
         (shipment.has_shipped_at()
              ? OrderOk(shipment.has_received_at(), shipment.received_at(),
                        true, shipment.shipped_at())
              : OrderOk(shipment.has_received_at(), shipment.received_at(),
                        has_latest, latest));
}

bool InspectionOk(const v1::Inspection& inspection) {
  if (inspection.received_items_size() > kMaxReceivedItems ||
      inspection.resale_defects_size() > kMaxResaleDefects ||
      !v1::DamageCause_IsValid(inspection.damage_cause())) {
    return false;
  }
  for (const v1::ReceivedItem& item : inspection.received_items()) {
    if (!TextOk(item.sku(), kMaxIdLength, false) ||
        !QuantityOk(item.quantity())) {
      return false;
    }
  }
  for (int defect : inspection.resale_defects()) {
    if (!v1::ResaleDefect_IsValid(defect)) return false;
  }
  return true;
}

const char* ClaimName(int claim) {
  return v1::LineClaim_IsValid(claim)
             ? v1::LineClaim_Name(static_cast<v1::LineClaim>(claim)).c_str()
             : "an unknown claim";
}

// The buyer says these units never reached them.
bool NeverReceivedClaim(int claim) {
  return claim == v1::LINE_CLAIM_MISSING ||
         claim == v1::LINE_CLAIM_NOT_RECEIVED ||
         claim == v1::LINE_CLAIM_WRONG_ITEM_RECEIVED;
}

absl::Status CheckClaims(const FieldPath& path, const v1::RefundItem& item,
                         int64_t ordered, const v1::Inspection& inspection) {
  if (item.claims_size() > kMaxLineClaims) {
    return path.Error(absl::StrCat("more than ", kMaxLineClaims, " entries"));
  }
  for (int c = 0; c < item.claims_size(); ++c) {
    const FieldPath claim_path = path.Index(c);
    const int claim = item.claims(c);
    RETURN_IF_ERROR(
        CheckRequiredEnum(claim_path, claim, v1::LineClaim_IsValid));
    for (int d = 0; d < c; ++d) {
      if (item.claims(d) == claim) {
        return claim_path.Error(
            absl::StrCat(ClaimName(claim), " is already claims[", d, "]"));
      }
      // Not received at all, yet damaged or the wrong item: one excludes
      // the other.
      const bool not_received = claim == v1::LINE_CLAIM_NOT_RECEIVED ||
                                item.claims(d) == v1::LINE_CLAIM_NOT_RECEIVED;
      if (not_received && (claim == v1::LINE_CLAIM_DAMAGED ||
                           item.claims(d) == v1::LINE_CLAIM_DAMAGED)) {
        return claim_path.Error(absl::StrCat(ClaimName(claim),
                                             " contradicts claims[", d, "] ",
                                             ClaimName(item.claims(d))));
      }
    }
    // Units the buyer never got cannot come back: the return may hold at
    // most the units of the line the claim leaves them.
    if (NeverReceivedClaim(claim)) {
      int64_t back = 0;
      for (const v1::ReceivedItem& received : inspection.received_items()) {
        if (received.sku() == item.sku() &&
            __builtin_add_overflow(back, received.quantity(), &back)) {
          return claim_path.Error("inspection quantities overflow");
        }
      }
      const int64_t kept = ordered - item.quantity();
      if (back > kept) {
        return claim_path.Error(absl::StrCat(
            ClaimName(claim), " contradicts the inspection: ", back, " of \"",
            item.sku(), "\" came back, but only ", kept, " of the ", ordered,
            " ordered reached the buyer"));
      }
    }
  }
  return absl::OkStatus();
}

// refund_items: each names a sku on exactly one order line, once, for 1 to
// the units ordered, with distinct claims the inspection does not
// contradict. Allocates nothing unless there is an error.
absl::Status CheckRefundItems(const FieldPath& root,
                              const v1::RefundRequest& request) {
  const FieldPath path = root.Child("refund_items");
  if (request.refund_items_size() > kMaxLineItems) {
    return path.Error(absl::StrCat("more than ", kMaxLineItems, " entries"));
  }
  const v1::Order& order = request.order();
  int64_t units = 0;
  for (int i = 0; i < request.refund_items_size(); ++i) {
    const v1::RefundItem& item = request.refund_items(i);
    const FieldPath item_path = path.Index(i);
    const FieldPath sku_path = item_path.Child("sku");
    RETURN_IF_ERROR(CheckText(sku_path, item.sku(), kMaxIdLength, true));
    int lines = 0;
    int64_t ordered = 0;
    for (const v1::LineItem& line : order.items()) {
      if (line.sku() == item.sku()) {
        ++lines;
        ordered = line.quantity();
      }
    }
    if (lines == 0) {
      return sku_path.Error(
          absl::StrCat("\"", item.sku(), "\" is not in order.items"));
    }
    if (lines > 1) {
      return sku_path.Error(
          absl::StrCat("\"", item.sku(), "\" is on ", lines,
                       " order lines; a request names a line by its sku"));
    }
    for (int j = 0; j < i; ++j) {
      if (request.refund_items(j).sku() == item.sku()) {
        return sku_path.Error(absl::StrCat(
            "\"", item.sku(), "\" is already refund_items[", j, "]"));
      }
    }
    const FieldPath quantity_path = item_path.Child("quantity");
    if (item.quantity() <= 0) {
      return quantity_path.Error(
          absl::StrCat(item.quantity(), " is not a positive quantity"));
    }
    if (item.quantity() > ordered) {
      return quantity_path.Error(
          absl::StrCat(item.quantity(), " exceeds the ", ordered, " ordered"));
    }
    if (__builtin_add_overflow(units, item.quantity(), &units)) {
      return path.Error("quantities add up to more than an int64 holds");
    }
    RETURN_IF_ERROR(CheckClaims(item_path.Child("claims"), item, ordered,
                                request.inspection()));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsValidRefundRequest(const v1::RefundRequest& request) {
  if (!TextOk(request.request_id(), kMaxIdLength, true) ||
      !TextOk(request.refund_id(), kMaxIdLength, true) ||
      !TextOk(request.shop_id(), kMaxIdLength, true) ||
      request.platform() == 0 || !v1::Platform_IsValid(request.platform()) ||
      request.type() == 0 || !v1::RequestType_IsValid(request.type()) ||
      request.reason() == 0 || !v1::Reason_IsValid(request.reason()) ||
      !MoneyOk(request.requested_amount()) || !OrderFactsOk(request.order())) {
    return false;
  }
  const v1::ReturnShipment& shipment = request.return_shipment();
  if (!ReturnShipmentOk(shipment, request.order()) ||
      !InspectionOk(request.inspection())) {
    return false;
  }
  const v1::BuyerProfile& buyer = request.buyer();
  if (!TextOk(buyer.buyer_id(), kMaxIdLength, false) ||
      !QuantityOk(buyer.orders_90d()) || !QuantityOk(buyer.refunds_90d()) ||
      !QuantityOk(buyer.refund_only_90d()) ||
      request.evidence_size() > kMaxEvidence) {
    return false;
  }
  for (int evidence : request.evidence()) {
    if (!v1::EvidenceKind_IsValid(evidence)) return false;
  }
  if (!TextOk(request.locale(), kMaxLocaleLength, false)) return false;
  // No path text is built unless there is an error.
  if (request.refund_items_size() > 0 &&
      !CheckRefundItems(FieldPath("request"), request).ok()) {
    return false;
  }
  const v1::Money& requested = request.requested_amount();
  const v1::Money& paid = request.order().paid_amount();
  if ((!requested.currency().empty() && !paid.currency().empty() &&
       requested.currency() != paid.currency()) ||
      requested.minor_units() > paid.minor_units()) {
    return false;
  }
  if (!request.has_requested_at() || !TimestampOk(request.requested_at()) ||
      !TimestampOk(request.applied_at()) ||
      !TimestampOk(request.after_sale_deadline())) {
    return false;
  }
  // Every moment given precedes the evaluation (requested_at).
  const Timestamp& now = request.requested_at();
  const auto not_after_now = [&now](bool present, const Timestamp& moment) {
    return !(present && Before(now, moment));
  };
  const v1::Order& order = request.order();
  return not_after_now(order.has_paid_at(), order.paid_at()) &&
         not_after_now(order.has_shipped_at(), order.shipped_at()) &&
         not_after_now(order.has_delivered_at(), order.delivered_at()) &&
         not_after_now(request.has_applied_at(), request.applied_at()) &&
         not_after_now(shipment.has_shipped_at(), shipment.shipped_at()) &&
         not_after_now(shipment.has_received_at(), shipment.received_at()) &&
         OrderOk(request.has_applied_at(), request.applied_at(),
                 order.has_paid_at(), order.paid_at());
}

expr::CostBounds RequestCostBounds() {
  expr::CostBounds bounds;
  const auto* order = v1::Order::descriptor();
  const auto* inspection = v1::Inspection::descriptor();
  bounds.list_sizes = {
      {order->FindFieldByName("items"), kMaxLineItems},
      {inspection->FindFieldByName("received_items"), kMaxReceivedItems},
      {inspection->FindFieldByName("resale_defects"), kMaxResaleDefects},
      {v1::RefundRequest::descriptor()->FindFieldByName("evidence"),
       kMaxEvidence},
      {v1::RefundRequest::descriptor()->FindFieldByName("refund_items"),
       kMaxLineItems},
      {v1::RefundItem::descriptor()->FindFieldByName("claims"), kMaxLineClaims},
  };
  const auto field = [](const google::protobuf::Descriptor* type,
                        const char* name) {
    return type->FindFieldByName(name);
  };
  const auto* request = v1::RefundRequest::descriptor();
  bounds.string_bytes = {
      {field(request, "request_id"), kMaxIdLength},
      {field(request, "refund_id"), kMaxIdLength},
      {field(request, "shop_id"), kMaxIdLength},
      {field(request, "locale"), kMaxLocaleLength},
      {field(order, "order_id"), kMaxIdLength},
      {field(v1::LineItem::descriptor(), "sku"), kMaxIdLength},
      {field(v1::LineItem::descriptor(), "category"), kMaxIdLength},
      {field(v1::ReceivedItem::descriptor(), "sku"), kMaxIdLength},
      {field(v1::RefundItem::descriptor(), "sku"), kMaxIdLength},
      {field(v1::ReturnShipment::descriptor(), "tracking_number"),
       kMaxIdLength},
      {field(v1::BuyerProfile::descriptor(), "buyer_id"), kMaxIdLength},
  };
  // Every other string field (LineItem.title) is text.
  bounds.max_string_bytes = kMaxTextLength;
  bounds.helper_lists = {kMaxLineItems, kMaxReceivedItems, kMaxEvidence,
                         kMaxLineItems};
  return bounds;
}

absl::Status ValidateRefundRequest(const v1::RefundRequest& request,
                                   absl::string_view prefix) {
  if (IsValidRefundRequest(request)) return absl::OkStatus();
  return RefundRequestError(request, prefix);
}

absl::Status RefundRequestError(const v1::RefundRequest& request,
                                absl::string_view prefix) {
  const FieldPath root(prefix);
  RETURN_IF_ERROR(CheckText(root.Child("request_id"), request.request_id(),
                            kMaxIdLength, true));
  RETURN_IF_ERROR(CheckText(root.Child("refund_id"), request.refund_id(),
                            kMaxIdLength, true));
  RETURN_IF_ERROR(
      CheckText(root.Child("shop_id"), request.shop_id(), kMaxIdLength, true));
  RETURN_IF_ERROR(CheckRequiredEnum(root.Child("platform"), request.platform(),
                                    v1::Platform_IsValid));
  RETURN_IF_ERROR(CheckRequiredEnum(root.Child("type"), request.type(),
                                    v1::RequestType_IsValid));
  RETURN_IF_ERROR(CheckRequiredEnum(root.Child("reason"), request.reason(),
                                    v1::Reason_IsValid));
  RETURN_IF_ERROR(
      CheckMoney(root.Child("requested_amount"), request.requested_amount()));
  RETURN_IF_ERROR(CheckOrderFacts(root.Child("order"), request.order()));
  RETURN_IF_ERROR(CheckReturnShipment(root.Child("return_shipment"),
                                      request.return_shipment(),
                                      request.order()));
  RETURN_IF_ERROR(
      CheckInspection(root.Child("inspection"), request.inspection()));
  RETURN_IF_ERROR(CheckBuyer(root.Child("buyer"), request.buyer()));
  if (request.evidence_size() > kMaxEvidence) {
    return root.Child("evidence")
        .Error(absl::StrCat("more than ", kMaxEvidence, " entries"));
  }
  for (int i = 0; i < request.evidence_size(); ++i) {
    RETURN_IF_ERROR(CheckEnum(root.Child("evidence").Index(i),
                              request.evidence(i), v1::EvidenceKind_IsValid));
  }
  RETURN_IF_ERROR(CheckText(root.Child("locale"), request.locale(),
                            kMaxLocaleLength, false));
  RETURN_IF_ERROR(CheckRefundItems(root, request));

  // Amounts: the buyer cannot ask for more than was paid, in another currency.
  const v1::Money& requested = request.requested_amount();
  const v1::Money& paid = request.order().paid_amount();
  if (!requested.currency().empty() && !paid.currency().empty() &&
      requested.currency() != paid.currency()) {
    return root.Child("requested_amount")
        .Child("currency")
        .Error(absl::StrCat("\"", requested.currency(),
                            "\" differs from order.paid_amount.currency \"",
                            paid.currency(), "\""));
  }
  if (requested.minor_units() > paid.minor_units()) {
    return root.Child("requested_amount")
        .Error(absl::StrCat(requested.minor_units(),
                            " exceeds order.paid_amount ", paid.minor_units()));
  }

  // Times: required, in range, in the order things happen.
  if (!request.has_requested_at()) {
    return root.Child("requested_at").Error("required");
  }
  RETURN_IF_ERROR(
      CheckTimestamp(root.Child("requested_at"), request.requested_at()));
  RETURN_IF_ERROR(
      CheckTimestamp(root.Child("applied_at"), request.applied_at()));
  RETURN_IF_ERROR(CheckTimestamp(root.Child("after_sale_deadline"),
                                 request.after_sale_deadline()));
  const v1::Order& order = request.order();
  const FieldPath order_path = root.Child("order");
  const v1::ReturnShipment& shipment = request.return_shipment();
  const FieldPath shipment_path = root.Child("return_shipment");
  const struct {
    FieldPath path;
    bool present;
    const Timestamp& time;
  } must_precede_evaluation[] = {
      {order_path.Child("paid_at"), order.has_paid_at(), order.paid_at()},
      {order_path.Child("shipped_at"), order.has_shipped_at(),
       order.shipped_at()},
      {order_path.Child("delivered_at"), order.has_delivered_at(),
       order.delivered_at()},
      {root.Child("applied_at"), request.has_applied_at(),
       request.applied_at()},
      {shipment_path.Child("shipped_at"), shipment.has_shipped_at(),
       shipment.shipped_at()},
      {shipment_path.Child("received_at"), shipment.has_received_at(),
       shipment.received_at()},
  };
  for (const auto& moment : must_precede_evaluation) {
    if (moment.present && Before(request.requested_at(), moment.time)) {
      return moment.path.Error("after requested_at");
    }
  }
  RETURN_IF_ERROR(CheckOrder(root.Child("applied_at"), request.has_applied_at(),
                             request.applied_at(), "order.paid_at",
                             order.has_paid_at(), order.paid_at()));
  return absl::OkStatus();
}

}  // namespace refund

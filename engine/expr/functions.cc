#include "engine/expr/functions.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/expr/calendar.h"
#include "engine/expr/line_amounts.h"
#include "refund/v1/refund.pb.h"

namespace refund::expr {
namespace {

bool Overflow(Frame& frame, const Node& call) {
  return frame.Fail(call, absl::StatusCode::kOutOfRange, "integer overflow");
}

// The typed request, or an error when the root is not the generated
// refund.v1.RefundRequest (the checker allows request helpers only for that
// root type, so this happens only for dynamic messages).
const v1::RefundRequest* RequestOf(Frame& frame, const Node& call) {
  if (frame.request == nullptr) {
    frame.Fail(call, absl::StatusCode::kFailedPrecondition,
               "helper needs a generated refund.v1.RefundRequest root");
  }
  return frame.request;
}

HelperListSizes SizesOf(const v1::RefundRequest& r) {
  return {r.order().items_size(), r.inspection().received_items_size(),
          r.evidence_size(), r.refund_items_size()};
}

// Charges the steps of the helper's loops on this request; false when they
// take the evaluation over its budget.
bool ChargeLoops(Frame& frame, const Node& call, HelperLoops loops,
                 const v1::RefundRequest& r) {
  return frame.Charge(call, HelperLoopSteps(loops, SizesOf(r)));
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// applied_at if set, else requested_at: the moment the windows are judged at.
absl::Time AppliedAt(const v1::RefundRequest& r) {
  return TimeOf(r.has_applied_at() ? r.applied_at() : r.requested_at());
}

bool Yuan(Frame& frame, const Node& call, const Value* args, Value* out) {
  int64_t minor = 0;
  if (__builtin_mul_overflow(args[0].i, int64_t{100}, &minor)) {
    return Overflow(frame, call);
  }
  *out = Value::Int(minor);
  return true;
}

bool Fen(Frame&, const Node&, const Value* args, Value* out) {
  *out = Value::Int(args[0].i);
  return true;
}

bool DurationOf(Frame& frame, const Node& call, int64_t n, int64_t unit_hours,
                int64_t unit_minutes, Value* out) {
  int64_t scaled = 0;
  absl::Duration d;
  if (unit_hours > 0) {
    if (__builtin_mul_overflow(n, unit_hours, &scaled)) {
      return Overflow(frame, call);
    }
    d = absl::Hours(scaled);
  } else {
    d = absl::Minutes(n * unit_minutes);
  }
  if (d == absl::InfiniteDuration() || d == -absl::InfiniteDuration()) {
    return frame.Fail(call, absl::StatusCode::kOutOfRange,
                      "duration out of range");
  }
  *out = Value::Duration(d);
  return true;
}

bool Days(Frame& frame, const Node& call, const Value* args, Value* out) {
  return DurationOf(frame, call, args[0].i, 24, 0, out);
}

bool Hours(Frame& frame, const Node& call, const Value* args, Value* out) {
  return DurationOf(frame, call, args[0].i, 1, 0, out);
}

bool Minutes(Frame& frame, const Node& call, const Value* args, Value* out) {
  return DurationOf(frame, call, args[0].i, 0, 1, out);
}

bool Min(Frame&, const Node&, const Value* args, Value* out) {
  *out = Value::Int(std::min(args[0].i, args[1].i));
  return true;
}

bool Max(Frame&, const Node&, const Value* args, Value* out) {
  *out = Value::Int(std::max(args[0].i, args[1].i));
  return true;
}

bool IsDelivered(Frame& frame, const Node& call, const Value*, Value* out) {
  const v1::RefundRequest* r = RequestOf(frame, call);
  if (r == nullptr) return false;
  *out = Value::Bool(r->order().has_delivered_at());
  return true;
}

bool AppliedAtFn(Frame& frame, const Node& call, const Value*, Value* out) {
  const v1::RefundRequest* r = RequestOf(frame, call);
  if (r == nullptr) return false;
  *out = Value::Time(AppliedAt(*r));
  return true;
}

const v1::RefundRequest* DeliveredRequest(Frame& frame, const Node& call) {
  const v1::RefundRequest* r = RequestOf(frame, call);
  if (r != nullptr && !r->order().has_delivered_at()) {
    frame.Fail(call, absl::StatusCode::kFailedPrecondition,
               "order not delivered (request.order.delivered_at is unset)");
    return nullptr;
  }
  return r;
}

bool DaysSinceSigning(Frame& frame, const Node& call, const Value*,
                      Value* out) {
  const v1::RefundRequest* r = DeliveredRequest(frame, call);
  if (r == nullptr) return false;
  *out = Value::Int(frame.program->compiled_calendar().CalendarDaysBetween(
      TimeOf(r->order().delivered_at()), AppliedAt(*r)));
  return true;
}

bool WithinDaysOfSigningFn(Frame& frame, const Node& call, const Value* args,
                           Value* out) {
  const int64_t days = args[0].i;
  if (days < 0 || days > kMaxWindowDays) {
    return frame.Fail(
        call, absl::StatusCode::kOutOfRange,
        absl::StrCat("window of ", days, " days out of range [0, ",
                     kMaxWindowDays, "]"));
  }
  const v1::RefundRequest* r = DeliveredRequest(frame, call);
  if (r == nullptr) return false;
  *out = Value::Bool(frame.program->compiled_calendar().WithinDaysOfSigning(
      TimeOf(r->order().delivered_at()), AppliedAt(*r), days));
  return true;
}

bool HasGifts(Frame& frame, const Node& call, const Value*, Value* out) {
  const v1::RefundRequest* r = RequestOf(frame, call);
  if (r == nullptr) return false;
  if (!ChargeLoops(frame, call, HelperLoops::kItems, *r)) return false;
  bool any = false;
  for (const v1::LineItem& item : r->order().items()) any |= item.is_gift();
  *out = Value::Bool(any);
  return true;
}

// Units of line item `index` that did not come back. Received units of a
// SKU are attributed to the order's line items of that SKU in order, so two
// lines of one SKU are not both satisfied by the same parcel content.
bool MissingUnits(const v1::RefundRequest& r, int index, int64_t* missing) {
  const auto& items = r.order().items();
  const std::string& sku = items[index].sku();
  int64_t available = 0;
  for (const v1::ReceivedItem& received : r.inspection().received_items()) {
    if (received.sku() != sku) continue;
    if (__builtin_add_overflow(
            available, std::max<int64_t>(0, received.quantity()), &available)) {
      return false;
    }
  }
  for (int j = 0; j < index && available > 0; ++j) {
    if (items[j].sku() == sku) {
      available -=
          std::min(available, std::max<int64_t>(0, items[j].quantity()));
    }
  }
  const int64_t ordered = std::max<int64_t>(0, items[index].quantity());
  *missing = ordered > available ? ordered - available : 0;
  return true;
}

enum class Measure { kGiftValue, kItemValue, kItemCount };

// Whether the merchant reported what came back: `inspected`, or a list of
// received_items (a client that lists what arrived has inspected, whether or
// not it set the flag). An inspected return with nothing listed counts every
// unit as missing, as it always has (an empty parcel); rules that must not
// read it that way guard with has(request.inspection.received_items).
bool ReturnInspected(const v1::Inspection& inspection) {
  return inspection.inspected() || inspection.received_items_size() > 0;
}

// The request's line amounts (line_amounts.h), its loops charged.
bool LinesOf(Frame& frame, const Node& call, const v1::RefundRequest& r,
             HelperLoops charge, LineAmounts* lines) {
  if (!frame.Charge(call, HelperLoopSteps(charge, SizesOf(r)))) return false;
  if (!ComputeLineAmounts(r, lines)) return Overflow(frame, call);
  return true;
}

// A request that names its lines: the missing units, their value (what was
// paid for them) and the gifts of the lines asked for, by line_amounts.h.
bool SumMissingOfLines(Frame& frame, const Node& call,
                       const v1::RefundRequest& r, Measure measure,
                       Value* out) {
  const HelperListSizes sizes = SizesOf(r);
  if (!frame.Charge(
          call, std::max(HelperLoopSteps(HelperLoops::kMissingUnits, sizes),
                         HelperLoopSteps(HelperLoops::kLineAmounts, sizes)))) {
    return false;
  }
  LineAmounts lines;
  if (!ComputeLineAmounts(r, &lines)) return Overflow(frame, call);
  switch (measure) {
    case Measure::kGiftValue:
      *out = Value::Int(lines.gift_deduction);
      break;
    case Measure::kItemValue:
      *out = Value::Int(lines.missing_value);
      break;
    case Measure::kItemCount:
      *out = Value::Int(lines.missing_units);
      break;
  }
  return true;
}

bool SumMissing(Frame& frame, const Node& call, Measure measure, Value* out) {
  const v1::RefundRequest* r = RequestOf(frame, call);
  if (r == nullptr) return false;
  if (r->refund_items_size() > 0) {
    return SumMissingOfLines(frame, call, *r, measure, out);
  }
  int64_t total = 0;
  if (ReturnInspected(r->inspection())) {
    if (!ChargeLoops(frame, call, HelperLoops::kMissingUnits, *r)) {
      return false;
    }
    const auto& items = r->order().items();
    for (int i = 0; i < items.size(); ++i) {
      const v1::LineItem& item = items[i];
      if (item.is_gift() != (measure == Measure::kGiftValue)) continue;
      int64_t missing = 0;
      if (!MissingUnits(*r, i, &missing)) return Overflow(frame, call);
      int64_t amount = missing;
      if (measure == Measure::kGiftValue &&
          __builtin_mul_overflow(missing, item.gift_value().minor_units(),
                                 &amount)) {
        return Overflow(frame, call);
      }
      if (measure == Measure::kItemValue &&
          __builtin_mul_overflow(missing, item.unit_price().minor_units(),
                                 &amount)) {
        return Overflow(frame, call);
      }
      if (__builtin_add_overflow(total, amount, &total)) {
        return Overflow(frame, call);
      }
    }
  }
  *out = Value::Int(total);
  return true;
}

bool UnreturnedGiftValue(Frame& frame, const Node& call, const Value*,
                         Value* out) {
  return SumMissing(frame, call, Measure::kGiftValue, out);
}

bool MissingItemValue(Frame& frame, const Node& call, const Value*,
                      Value* out) {
  return SumMissing(frame, call, Measure::kItemValue, out);
}

bool MissingItemCount(Frame& frame, const Node& call, const Value*,
                      Value* out) {
  return SumMissing(frame, call, Measure::kItemCount, out);
}

// A helper whose value is one amount of the request's lines
// (engine/expr/line_amounts.h): returned_value(), missing_value(),
// requested_lines_paid().
template <int64_t LineAmounts::*kAmount>
bool LineAmountOf(Frame& frame, const Node& call, const Value*, Value* out) {
  const v1::RefundRequest* r = RequestOf(frame, call);
  if (r == nullptr) return false;
  LineAmounts lines;
  if (!LinesOf(frame, call, *r, HelperLoops::kLineAmounts, &lines)) {
    return false;
  }
  *out = Value::Int(lines.*kAmount);
  return true;
}
constexpr HelperFn ReturnedValue = LineAmountOf<&LineAmounts::expected>;
constexpr HelperFn MissingValue = LineAmountOf<&LineAmounts::missing_value>;
constexpr HelperFn RequestedLinesPaid = LineAmountOf<&LineAmounts::paid>;

// Some line the request asks for (every line, for a whole-order request) is
// goods (not a gift) exempt from the seven-day return.
bool AsksForExemptItems(Frame& frame, const Node& call, const Value*,
                        Value* out) {
  const v1::RefundRequest* r = RequestOf(frame, call);
  if (r == nullptr) return false;
  if (!frame.Charge(call,
                    HelperLoopSteps(HelperLoops::kLineAmounts, SizesOf(*r)))) {
    return false;
  }
  const auto exempt = [](const v1::LineItem& item) {
    return item.no_reason_return_exempt() && !item.is_gift();
  };
  bool found = false;
  if (r->refund_items_size() == 0) {
    for (const v1::LineItem& item : r->order().items()) found |= exempt(item);
  } else {
    absl::flat_hash_map<std::string_view, bool> exempt_sku;
    for (const v1::LineItem& item : r->order().items()) {
      exempt_sku[item.sku()] |= exempt(item);
    }
    for (const v1::RefundItem& item : r->refund_items()) {
      const auto it = exempt_sku.find(item.sku());
      found |= it != exempt_sku.end() && it->second;
    }
  }
  *out = Value::Bool(found);
  return true;
}

bool LinePaidFn(Frame& frame, const Node& call, const Value* args, Value* out) {
  const v1::RefundRequest* r = RequestOf(frame, call);
  if (r == nullptr) return false;
  if (!frame.Charge(call,
                    HelperLoopSteps(HelperLoops::kLineAmounts, SizesOf(*r)))) {
    return false;
  }
  const std::vector<int64_t> shares = OrderLineShares(r->order());
  *out = Value::Int(LinePaid(r->order(), shares, std::string(args[0].s)));
  return true;
}

bool HasUnexpectedItems(Frame& frame, const Node& call, const Value*,
                        Value* out) {
  const v1::RefundRequest* r = RequestOf(frame, call);
  if (r == nullptr) return false;
  if (!ChargeLoops(frame, call, HelperLoops::kReceivedTimesItems, *r)) {
    return false;
  }
  const auto& items = r->order().items();
  bool unexpected = false;
  for (const v1::ReceivedItem& received : r->inspection().received_items()) {
    const bool ordered = std::any_of(
        items.begin(), items.end(),
        [&](const v1::LineItem& item) { return item.sku() == received.sku(); });
    if (!ordered) {
      unexpected = true;
      break;
    }
  }
  *out = Value::Bool(unexpected);
  return true;
}

bool TimeUntilDeadline(Frame& frame, const Node& call, const Value*,
                       Value* out) {
  const v1::RefundRequest* r = RequestOf(frame, call);
  if (r == nullptr) return false;
  if (!r->has_after_sale_deadline()) {
    return frame.Fail(call, absl::StatusCode::kFailedPrecondition,
                      "request.after_sale_deadline is unset");
  }
  const absl::Duration left =
      TimeOf(r->after_sale_deadline()) - TimeOf(r->requested_at());
  if (left == absl::InfiniteDuration() || left == -absl::InfiniteDuration()) {
    return frame.Fail(call, absl::StatusCode::kOutOfRange,
                      "duration out of range");
  }
  *out = Value::Duration(left);
  return true;
}

bool HasEvidence(Frame& frame, const Node& call, const Value* args,
                 Value* out) {
  const v1::RefundRequest* r = RequestOf(frame, call);
  if (r == nullptr) return false;
  if (!ChargeLoops(frame, call, HelperLoops::kEvidence, *r)) return false;
  bool found = false;
  for (int kind : r->evidence()) found |= kind == args[0].i;
  *out = Value::Bool(found);
  return true;
}

std::vector<HelperSpec>* BuildHelpers() {
  const Type kInt = Type::Int();
  const Type kMoney = Type::Money();
  const Type kString = Type::String();
  const Type kBool = Type::Bool();
  const Type kDuration = Type::Duration();
  const Type kTimestamp = Type::Timestamp();
  const Type kEvidence = Type::Enum(v1::EvidenceKind_descriptor());
  return new std::vector<HelperSpec>{
      {"yuan", false, {{{kInt}, kMoney, &Yuan}}},
      {"fen", false, {{{kInt}, kMoney, &Fen}}},
      {"days", false, {{{kInt}, kDuration, &Days}}},
      {"hours", false, {{{kInt}, kDuration, &Hours}}},
      {"minutes", false, {{{kInt}, kDuration, &Minutes}}},
      {"min",
       false,
       {{{kInt, kInt}, kInt, &Min}, {{kMoney, kMoney}, kMoney, &Min}}},
      {"max",
       false,
       {{{kInt, kInt}, kInt, &Max}, {{kMoney, kMoney}, kMoney, &Max}}},
      {"is_delivered", true, {{{}, kBool, &IsDelivered}}},
      {"applied_at", true, {{{}, kTimestamp, &AppliedAtFn}}},
      {"days_since_signing", true, {{{}, kInt, &DaysSinceSigning}}},
      {"within_days_of_signing",
       true,
       {{{kInt}, kBool, &WithinDaysOfSigningFn}}},
      {"has_gifts", true, {{{}, kBool, &HasGifts}}, HelperLoops::kItems},
      {"unreturned_gift_value",
       true,
       {{{}, kMoney, &UnreturnedGiftValue}},
       HelperLoops::kMissingUnits},
      {"missing_item_value",
       true,
       {{{}, kMoney, &MissingItemValue}},
       HelperLoops::kMissingUnits},
      {"missing_item_count",
       true,
       {{{}, kInt, &MissingItemCount}},
       HelperLoops::kMissingUnits},
      {"has_unexpected_items",
       true,
       {{{}, kBool, &HasUnexpectedItems}},
       HelperLoops::kReceivedTimesItems},
      {"returned_value",
       true,
       {{{}, kMoney, ReturnedValue}},
       HelperLoops::kLineAmounts},
      {"missing_value",
       true,
       {{{}, kMoney, MissingValue}},
       HelperLoops::kLineAmounts},
      {"requested_lines_paid",
       true,
       {{{}, kMoney, RequestedLinesPaid}},
       HelperLoops::kLineAmounts},
      {"asks_for_exempt_items",
       true,
       {{{}, kBool, &AsksForExemptItems}},
       HelperLoops::kLineAmounts},
      {"line_paid",
       true,
       {{{kString}, kMoney, &LinePaidFn}},
       HelperLoops::kLineAmounts},
      {"time_until_deadline", true, {{{}, kDuration, &TimeUntilDeadline}}},
      {"has_evidence",
       true,
       {{{kEvidence}, kBool, &HasEvidence}},
       HelperLoops::kEvidence},
  };
}

}  // namespace

const std::vector<HelperSpec>& AllHelpers() {
  static const std::vector<HelperSpec>* helpers = BuildHelpers();
  return *helpers;
}

const HelperSpec* FindHelper(std::string_view name) {
  for (const HelperSpec& spec : AllHelpers()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const HelperSpec* FindHelperByFunction(HelperFn fn) {
  for (const HelperSpec& spec : AllHelpers()) {
    for (const HelperOverload& overload : spec.overloads) {
      if (overload.fn == fn) return &spec;
    }
  }
  return nullptr;
}

bool IsMacroName(std::string_view name) {
  return name == "has" || name == "size" || name == "exists" || name == "all";
}

}  // namespace refund::expr

#include "tests/testing/expr_test_util.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/expr/value.h"
#include "gtest/gtest.h"

namespace refund::expr::testing {

absl::TimeZone Shanghai() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &zone));
  return zone;
}

absl::Time Local(int year, int month, int day, int hour, int minute,
                 int second) {
  return absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, second), Shanghai());
}

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

std::shared_ptr<const CalendarConfig> Calendar(
    std::vector<absl::CivilDay> holidays) {
  auto calendar = std::make_shared<CalendarConfig>();
  calendar->zone = Shanghai();
  calendar->holidays = std::move(holidays);
  return calendar;
}

Environment TestEnvironment(std::vector<absl::CivilDay> holidays) {
  Environment env(v1::RefundRequest::descriptor(), "request",
                  Calendar(std::move(holidays)));
  EXPECT_TRUE(
      env.AddConstant("small_compensation_cap", ConstantValue::Money(500))
          .ok());
  EXPECT_TRUE(env.AddConstant("max_refunds", ConstantValue::Int(3)).ok());
  ConstantValue platforms;
  platforms.kind = ValueKind::kList;
  platforms.element_kind = ValueKind::kEnum;
  platforms.enum_type = v1::Platform_descriptor();
  platforms.elements = {
      ConstantValue::Enum(
          v1::Platform_descriptor()->FindValueByName("PLATFORM_TAOBAO")),
      ConstantValue::Enum(
          v1::Platform_descriptor()->FindValueByName("PLATFORM_TMALL"))};
  EXPECT_TRUE(env.AddConstant("premium_platforms", platforms).ok());
  EXPECT_TRUE(env.AddConstant("shop_name", ConstantValue::String("小店")).ok());
  EXPECT_TRUE(
      env.AddConstant("grace", ConstantValue::Duration(absl::Hours(2))).ok());
  return env;
}

v1::RefundRequest FullRequest() {
  v1::RefundRequest r;
  r.set_request_id("req-1");
  r.set_refund_id("rf-1");
  r.set_shop_id("shop-1");
  r.set_platform(v1::PLATFORM_TAOBAO);
  r.set_type(v1::REQUEST_TYPE_RETURN_AND_REFUND);
  r.set_reason(v1::REASON_NO_REASON);
  r.mutable_requested_amount()->set_minor_units(12950);  // ¥129.50
  v1::Order* order = r.mutable_order();
  order->set_order_id("o-1");
  order->mutable_paid_amount()->set_minor_units(12950);
  // Signed for at 23:30 on 2026-05-01 (local).
  SetTime(Local(2026, 4, 28, 10, 0), order->mutable_paid_at());
  SetTime(Local(2026, 5, 1, 23, 30), order->mutable_delivered_at());
  v1::LineItem* shoe = order->add_items();
  shoe->set_sku("SHOE-42");
  shoe->set_quantity(2);
  shoe->mutable_unit_price()->set_minor_units(5000);
  v1::LineItem* socks = order->add_items();
  socks->set_sku("GIFT-SOCKS");
  socks->set_quantity(1);
  socks->set_is_gift(true);
  socks->mutable_gift_value()->set_minor_units(1500);
  v1::Inspection* inspection = r.mutable_inspection();
  inspection->set_inspected(true);
  v1::ReceivedItem* received = inspection->add_received_items();
  received->set_sku("SHOE-42");
  received->set_quantity(1);
  inspection->add_resale_defects(v1::RESALE_DEFECT_TAGS_REMOVED);
  r.mutable_buyer()->set_refunds_90d(2);
  r.add_evidence(v1::EVIDENCE_KIND_CHAT_RECORD);
  r.add_evidence(v1::EVIDENCE_KIND_LOGISTICS_TRACE);
  r.mutable_flags()->set_urgent(true);
  // Applied 3 days later; evaluated a week after signing.
  SetTime(Local(2026, 5, 4, 9, 0), r.mutable_applied_at());
  SetTime(Local(2026, 5, 8, 12, 0), r.mutable_requested_at());
  SetTime(Local(2026, 5, 9, 12, 0), r.mutable_after_sale_deadline());
  r.set_locale("zh-CN");
  return r;
}

namespace {

std::string ShowScalar(ValueKind kind, const ConstantValue& v) {
  switch (kind) {
    case ValueKind::kBool:
      return v.bool_value ? "true" : "false";
    case ValueKind::kInt:
      return absl::StrCat(v.int_value);
    case ValueKind::kMoney:
      return FormatMoney(v.int_value);
    case ValueKind::kEnum: {
      const auto* value =
          v.enum_type->FindValueByNumber(static_cast<int>(v.int_value));
      return value != nullptr ? value->name() : absl::StrCat(v.int_value);
    }
    case ValueKind::kString:
      return absl::StrCat("\"", v.string_value, "\"");
    case ValueKind::kDuration:
      return absl::FormatDuration(v.duration_value);
    case ValueKind::kTimestamp:
      return absl::FormatTime("%Y-%m-%d%ET%H:%M:%S%Ez", v.time_value,
                              Shanghai());
    default:
      return "?";
  }
}

}  // namespace

std::string Show(const ConstantValue& value) {
  if (value.kind != ValueKind::kList) return ShowScalar(value.kind, value);
  std::vector<std::string> parts;
  for (const ConstantValue& element : value.elements) {
    parts.push_back(ShowScalar(value.element_kind, element));
  }
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

std::string Sexpr(const Expr& e) {
  std::vector<std::string> children;
  for (const auto& child : e.children()) children.push_back(Sexpr(*child));
  switch (e.kind()) {
    case ExprKind::kLiteral:
      switch (e.literal_kind()) {
        case LiteralKind::kInt:
          return absl::StrCat(e.int_value());
        case LiteralKind::kBool:
          return e.bool_value() ? "true" : "false";
        case LiteralKind::kString:
          return absl::StrCat("\"", e.name(), "\"");
      }
      return "?";
    case ExprKind::kIdent:
      return e.name();
    case ExprKind::kSelect:
      return absl::StrCat(children[0], ".", e.name());
    case ExprKind::kCall:
      return absl::StrCat("(", e.has_target() ? "method " : "call ", e.name(),
                          children.empty() ? "" : " ",
                          absl::StrJoin(children, " "), ")");
    case ExprKind::kList:
      return absl::StrCat("[", absl::StrJoin(children, " "), "]");
    case ExprKind::kUnary:
      return absl::StrCat("(", e.unary_op() == UnaryOp::kNot ? "!" : "-", " ",
                          children[0], ")");
    case ExprKind::kBinary:
      return absl::StrCat("(", BinaryOpSpelling(e.binary_op()), " ",
                          absl::StrJoin(children, " "), ")");
    case ExprKind::kTernary:
      return absl::StrCat("(? ", absl::StrJoin(children, " "), ")");
  }
  return "?";
}

}  // namespace refund::expr::testing

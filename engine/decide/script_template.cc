#include "engine/decide/script_template.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace refund {
namespace {

constexpr std::pair<absl::string_view, ScriptValue> kValueNames[] = {
    {"order_id", ScriptValue::kOrderId},
    {"refund_id", ScriptValue::kRefundId},
    {"shop_id", ScriptValue::kShopId},
    {"requested_amount", ScriptValue::kRequestedAmount},
    {"refund_amount", ScriptValue::kRefundAmount},
    {"respond_by", ScriptValue::kRespondBy},
    {"missing_evidence", ScriptValue::kMissingEvidence},
};

struct EvidenceNames {
  v1::EvidenceKind kind;
  absl::string_view zh;
  absl::string_view en;
};

constexpr EvidenceNames kEvidenceNames[] = {
    {v1::EVIDENCE_KIND_PRODUCT_PHOTOS, "商品照片", "product photos"},
    {v1::EVIDENCE_KIND_WAYBILL_WITH_PRODUCT_PHOTO, "快递面单与商品合照",
     "photo of the waybill with the goods"},
    {v1::EVIDENCE_KIND_UNBOXING_VIDEO, "开箱视频", "unboxing video"},
    {v1::EVIDENCE_KIND_CHAT_RECORD, "聊天记录", "chat record"},
    {v1::EVIDENCE_KIND_LOGISTICS_TRACE, "物流轨迹", "logistics trace"},
    {v1::EVIDENCE_KIND_COURIER_CERTIFICATE, "物流公司盖章证明",
     "courier's stamped certificate"},
    {v1::EVIDENCE_KIND_DELIVERY_SIGNATURE, "签收记录", "delivery signature"},
    {v1::EVIDENCE_KIND_RETURN_TRACKING_NUMBER, "退货物流单号",
     "return tracking number"},
    {v1::EVIDENCE_KIND_NEGOTIATION_AGREEMENT, "协商一致证明",
     "proof of the agreement with the buyer"},
    {v1::EVIDENCE_KIND_QUALIFICATION_DOCUMENTS, "资质/质检报告",
     "qualification or inspection documents"},
    {v1::EVIDENCE_KIND_FORCE_MAJEURE_FILING, "不可抗力报备记录",
     "force majeure filing"},
    {v1::EVIDENCE_KIND_PROMOTION_TERMS, "活动规则说明", "promotion terms"},
};

constexpr absl::string_view kReviewInducements[] = {
    "好评返现",
    "返现",
    "返红包",
    "好评红包",
    "好评有礼",
    "好评送",
    "cashback",
    "cash back",
    "for a good review",
    "for a positive review",
    "for a 5-star review",
    "for a five-star review",
    "review reward",
};

}  // namespace

std::string FormatYuan(int64_t minor_units) {
  std::string out;
  AppendYuan(minor_units, &out);
  return out;
}

void AppendYuan(int64_t minor_units, std::string* out) {
  const bool negative = minor_units < 0;
  // Work in unsigned to survive INT64_MIN.
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor_units)
                                      : static_cast<uint64_t>(minor_units);
  const uint64_t cents = magnitude % 100;
  absl::StrAppend(out, negative ? "-" : "", "¥", magnitude / 100, ".",
                  cents < 10 ? "0" : "", cents);
}

std::string FormatLocalTime(absl::Time t, absl::TimeZone zone) {
  return absl::FormatTime("%Y-%m-%d %H:%M", t, zone);
}

std::string EvidenceKindName(v1::EvidenceKind kind, absl::string_view locale) {
  for (const EvidenceNames& names : kEvidenceNames) {
    if (names.kind == kind) {
      return std::string(locale == "en" ? names.en : names.zh);
    }
  }
  return v1::EvidenceKind_Name(kind);
}

bool ScriptTemplate::Parse(absl::string_view text, ScriptTemplate* out,
                           std::vector<Issue>* issues) {
  out->pieces_.clear();
  out->uses_ = 0;
  bool ok = true;
  std::string literal;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "{{") != 0) {
      literal.push_back(text[i++]);
      continue;
    }
    const size_t close = text.find("}}", i + 2);
    if (close == absl::string_view::npos) {
      issues->push_back({static_cast<int>(i), "unclosed \"{{\" in script"});
      return false;
    }
    absl::string_view name =
        absl::StripAsciiWhitespace(text.substr(i + 2, close - i - 2));
    bool known = false;
    for (const auto& [value_name, value] : kValueNames) {
      if (name == value_name) {
        if (!literal.empty())
          out->pieces_.push_back({false, std::move(literal)});
        literal.clear();
        out->pieces_.push_back({true, "", value});
        out->uses_ |= 1u << static_cast<int>(value);
        known = true;
      }
    }
    if (!known) {
      std::vector<absl::string_view> names;
      for (const auto& entry : kValueNames) names.push_back(entry.first);
      issues->push_back(
          {static_cast<int>(i), absl::StrCat("unknown placeholder \"{{", name,
                                             "}}\"; a script can name: ",
                                             absl::StrJoin(names, ", "))});
      ok = false;
    }
    i = close + 2;
  }
  if (!literal.empty()) out->pieces_.push_back({false, std::move(literal)});
  return ok;
}

std::string FormatScriptValue(ScriptValue value, const ScriptContext& context) {
  switch (value) {
    case ScriptValue::kRespondBy:
      return FormatLocalTime(context.respond_by, context.zone);
    case ScriptValue::kMissingEvidence: {
      std::vector<std::string> names;
      for (v1::EvidenceKind kind : context.missing_evidence) {
        names.push_back(EvidenceKindName(kind, context.locale));
      }
      return absl::StrJoin(names, context.locale == "en" ? ", " : "、");
    }
    default:
      return "";
  }
}

std::string ScriptTemplate::Render(const ScriptContext& context) const {
  std::string out;
  RenderTo(context, &out);
  return out;
}

void ScriptTemplate::RenderTo(const ScriptContext& context,
                              std::string* out) const {
  out->clear();
  const v1::RefundRequest& request = *context.request;
  for (const Piece& piece : pieces_) {
    if (!piece.is_value) {
      out->append(piece.literal);
      continue;
    }
    switch (piece.value) {
      case ScriptValue::kOrderId:
        // The only value a valid request may lack: say so rather than leave
        // a blank in front of the buyer.
        if (request.order().order_id().empty()) {
          out->append(context.locale == "en" ? "(number not given)"
                                             : "(未提供单号)");
        } else {
          out->append(request.order().order_id());
        }
        break;
      case ScriptValue::kRefundId:
        out->append(request.refund_id());
        break;
      case ScriptValue::kShopId:
        out->append(request.shop_id());
        break;
      case ScriptValue::kRequestedAmount:
        AppendYuan(request.requested_amount().minor_units(), out);
        break;
      case ScriptValue::kRefundAmount:
        AppendYuan(context.refund_amount, out);
        break;
      case ScriptValue::kRespondBy:
        if (context.respond_by_text != nullptr) {
          out->append(*context.respond_by_text);
        } else {
          out->append(FormatScriptValue(piece.value, context));
        }
        break;
      case ScriptValue::kMissingEvidence:
        if (context.missing_evidence_text != nullptr) {
          out->append(*context.missing_evidence_text);
        } else {
          out->append(FormatScriptValue(piece.value, context));
        }
        break;
    }
  }
}

absl::string_view FindReviewInducement(absl::string_view script) {
  const std::string lower = absl::AsciiStrToLower(script);
  for (absl::string_view phrase : kReviewInducements) {
    if (absl::string_view(lower).find(phrase) != std::string::npos)
      return phrase;
  }
  return {};
}

}  // namespace refund

#include "server/log/decision_serializer.h"

#include <cstdint>
#include <string>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wire_format_lite.h"
#include "server/log/deterministic_serialization.h"

namespace refund::server {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

// Each writer follows proto3's rules as the generated code does: fields in
// number order; a scalar only when it is not zero, a string only when it is
// not empty, a message only when it is set; a message as its tag, its size
// (cached by the ByteSizeLong that SerializeDecision runs first) and its
// fields. The sizes bound the writes: a message written here has exactly the
// fields ByteSizeLong counted, or fewer.

uint8_t* String(int field, const std::string& value, uint8_t* out) {
  if (value.empty()) return out;
  return WireFormatLite::WriteStringToArray(field, value, out);
}

uint8_t* Enum(int field, int value, uint8_t* out) {
  if (value == 0) return out;
  return WireFormatLite::WriteEnumToArray(field, value, out);
}

uint8_t* Bool(int field, bool value, uint8_t* out) {
  if (!value) return out;
  return WireFormatLite::WriteBoolToArray(field, value, out);
}

uint8_t* Int32(int field, int32_t value, uint8_t* out) {
  if (value == 0) return out;
  return WireFormatLite::WriteInt32ToArray(field, value, out);
}

uint8_t* Int64(int field, int64_t value, uint8_t* out) {
  if (value == 0) return out;
  return WireFormatLite::WriteInt64ToArray(field, value, out);
}

template <typename Message>
uint8_t* Header(int field, const Message& message, uint8_t* out) {
  out = WireFormatLite::WriteTagToArray(
      field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, out);
  return CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(message.GetCachedSize()), out);
}

uint8_t* Write(int field, const google::protobuf::Timestamp& time,
               uint8_t* out) {
  out = Header(field, time, out);
  out = Int64(1, time.seconds(), out);
  return Int32(2, time.nanos(), out);
}

uint8_t* Write(int field, const v1::Money& money, uint8_t* out) {
  out = Header(field, money, out);
  out = String(1, money.currency(), out);
  return Int64(2, money.minor_units(), out);
}

uint8_t* Write(int field, const v1::EvidenceRequirement& evidence,
               uint8_t* out) {
  out = Header(field, evidence, out);
  out = Enum(1, evidence.kind(), out);
  out = String(2, evidence.reason(), out);
  out = String(3, evidence.rule_id(), out);
  return Bool(4, evidence.satisfied(), out);
}

uint8_t* Write(int field, const v1::SuggestedAction& action, uint8_t* out) {
  out = Header(field, action, out);
  out = String(1, action.code(), out);
  out = String(2, action.script(), out);
  out = String(3, action.rule_id(), out);
  if (action.has_due_by()) out = Write(4, action.due_by(), out);
  out = Enum(5, action.channel(), out);
  if (action.has_not_before()) out = Write(6, action.not_before(), out);
  return out;
}

uint8_t* Write(int field, const v1::ForbiddenAction& forbidden, uint8_t* out) {
  out = Header(field, forbidden, out);
  out = String(1, forbidden.code(), out);
  out = String(2, forbidden.reason(), out);
  return String(3, forbidden.rule_id(), out);
}

uint8_t* Write(int field, const v1::Risk& risk, uint8_t* out) {
  out = Header(field, risk, out);
  out = String(1, risk.code(), out);
  out = String(2, risk.description(), out);
  return String(3, risk.rule_id(), out);
}

uint8_t* Write(int field, const v1::MatchedRule& rule, uint8_t* out) {
  out = Header(field, rule, out);
  out = String(1, rule.rule_id(), out);
  out = Enum(2, rule.verdict(), out);
  out = String(3, rule.explanation(), out);
  out = Int32(4, rule.priority(), out);
  return String(20, rule.shop_layer(), out);
}

uint8_t* Write(int field, const v1::PolicyRef& policy, uint8_t* out) {
  out = Header(field, policy, out);
  out = String(1, policy.bundle_name(), out);
  out = String(2, policy.version(), out);
  out = String(20, policy.layer_shop_id(), out);
  return String(21, policy.layer_version(), out);
}

uint8_t* Write(int field, const v1::LineResult& line, uint8_t* out) {
  out = Header(field, line, out);
  out = String(1, line.sku(), out);
  out = Int64(2, line.quantity(), out);
  if (line.has_paid_amount()) out = Write(3, line.paid_amount(), out);
  if (line.has_approved_amount()) out = Write(4, line.approved_amount(), out);
  return String(5, line.reason(), out);
}

template <typename Repeated>
uint8_t* WriteEach(int field, const Repeated& messages, uint8_t* out) {
  for (const auto& message : messages) out = Write(field, message, out);
  return out;
}

}  // namespace

bool SerializeKnownDecisionFields(const v1::Decision& decision,
                                  std::string* bytes) {
  const size_t size = decision.ByteSizeLong();
  bytes->assign(size, '\0');
  uint8_t* const begin = reinterpret_cast<uint8_t*>(bytes->data());
  uint8_t* out = begin;
  out = String(1, decision.decision_id(), out);
  out = String(2, decision.request_id(), out);
  out = String(3, decision.refund_id(), out);
  out = Enum(4, decision.verdict(), out);
  if (decision.has_refund_amount()) {
    out = Write(5, decision.refund_amount(), out);
  }
  out = WriteEach(6, decision.required_evidence(), out);
  out = WriteEach(7, decision.actions(), out);
  out = WriteEach(8, decision.forbidden(), out);
  out = WriteEach(9, decision.risks(), out);
  out = WriteEach(10, decision.matched_rules(), out);
  if (decision.has_respond_by()) out = Write(11, decision.respond_by(), out);
  if (decision.has_policy()) out = Write(12, decision.policy(), out);
  if (decision.has_decided_at()) out = Write(13, decision.decided_at(), out);
  out = String(14, decision.locale(), out);
  out = WriteEach(30, decision.line_results(), out);
  // Anything this file does not write (unknown fields, a field added to the
  // schema since) leaves the end unwritten.
  return out == begin + size;
}

std::string SerializeDecision(const v1::Decision& decision) {
  std::string bytes;
  if (!SerializeKnownDecisionFields(decision, &bytes)) {
    return SerializeDeterministically(decision);
  }
  return bytes;
}

}  // namespace refund::server

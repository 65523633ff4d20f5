#include "engine/expr/value.h"

#include <cstdlib>

#include "absl/strings/str_format.h"

namespace refund::expr {

Rep RepOf(ValueKind kind) {
  switch (kind) {
    case ValueKind::kBool:
      return Rep::kBool;
    case ValueKind::kInt:
    case ValueKind::kEnum:
    case ValueKind::kMoney:
      return Rep::kInt;
    case ValueKind::kString:
      return Rep::kString;
    case ValueKind::kTimestamp:
      return Rep::kTime;
    case ValueKind::kDuration:
      return Rep::kDuration;
    case ValueKind::kMessage:
      return Rep::kMessage;
    case ValueKind::kList:
      return Rep::kList;
  }
  return Rep::kNone;
}

bool ValuesEqual(const Value& a, const Value& b) {
  if (a.rep != b.rep) return false;
  switch (a.rep) {
    case Rep::kBool:
      return a.b == b.b;
    case Rep::kInt:
      return a.i == b.i;
    case Rep::kString:
      return a.s == b.s;
    case Rep::kTime:
      return a.t == b.t;
    case Rep::kDuration:
      return a.d == b.d;
    case Rep::kMessage:
      return a.m == b.m;
    case Rep::kNone:
    case Rep::kList:
      return false;
  }
  return false;
}

int CompareValues(const Value& a, const Value& b) {
  switch (a.rep) {
    case Rep::kBool:
      return a.b == b.b ? 0 : (a.b ? 1 : -1);
    case Rep::kInt:
      return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
    case Rep::kString: {
      const int c = a.s.compare(b.s);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Rep::kTime:
      return a.t < b.t ? -1 : (a.t > b.t ? 1 : 0);
    case Rep::kDuration:
      return a.d < b.d ? -1 : (a.d > b.d ? 1 : 0);
    default:
      return 0;
  }
}

std::string FormatMoney(int64_t minor_units) {
  // Work in unsigned so that INT64_MIN prints too.
  const bool negative = minor_units < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor_units)
                                      : static_cast<uint64_t>(minor_units);
  return absl::StrFormat("%s¥%d.%02d", negative ? "-" : "", magnitude / 100,
                         magnitude % 100);
}

}  // namespace refund::expr

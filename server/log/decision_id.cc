#include "server/log/decision_id.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/log/random_bytes.h"
#include "server/log/row_hash.h"

namespace refund::server {
absl::StatusOr<std::string> NewDecisionId(absl::Time decided_at) {
  unsigned char bytes[16];
  // 48-bit big-endian milliseconds (until the year 10889), then 80 random
  // bits.
  const uint64_t millis = static_cast<uint64_t>(
      std::max<int64_t>(absl::ToUnixMillis(decided_at), 0));
  for (int i = 0; i < 6; ++i) {
    bytes[i] = static_cast<unsigned char>(millis >> (8 * (5 - i)));
  }
  if (!TakeRandomBytes(bytes + 6, sizeof(bytes) - 6)) {
    return absl::UnavailableError("cannot generate a decision id");
  }
  return ToHex(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

}  // namespace refund::server

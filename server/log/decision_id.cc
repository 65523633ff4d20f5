#include "server/log/decision_id.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/log/row_hash.h"

namespace refund::server {
namespace {

// Random bytes from OpenSSL's generator, drawn 4 KiB at a time per thread:
// one RAND_bytes call (a lock and a getpid) serves ~400 ids.
class RandomBytes {
 public:
  bool Take(unsigned char* out, size_t count) {
    if (count > sizeof(pool_)) return RAND_bytes(out, count) == 1;
    if (count > available_) {
      if (RAND_bytes(pool_, sizeof(pool_)) != 1) return false;
      available_ = sizeof(pool_);
    }
    available_ -= count;
    std::memcpy(out, pool_ + available_, count);
    // Bytes handed out are not kept.
    std::memset(pool_ + available_, 0, count);
    return true;
  }

 private:
  unsigned char pool_[4096];
  size_t available_ = 0;
};

}  // namespace

absl::StatusOr<std::string> NewDecisionId(absl::Time decided_at) {
  thread_local RandomBytes random;
  unsigned char bytes[16];
  // 48-bit big-endian milliseconds (until the year 10889), then 80 random
  // bits.
  const uint64_t millis = static_cast<uint64_t>(
      std::max<int64_t>(absl::ToUnixMillis(decided_at), 0));
  for (int i = 0; i < 6; ++i) {
    bytes[i] = static_cast<unsigned char>(millis >> (8 * (5 - i)));
  }
  if (!random.Take(bytes + 6, sizeof(bytes) - 6)) {
    return absl::UnavailableError("cannot generate a decision id");
  }
  return ToHex(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

}  // namespace refund::server

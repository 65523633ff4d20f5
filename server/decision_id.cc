#include "server/decision_id.h"

#include <openssl/rand.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/row_hash.h"

namespace refund::server {

absl::StatusOr<std::string> NewDecisionId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::UnavailableError("cannot generate a decision id");
  }
  return ToHex(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

}  // namespace refund::server

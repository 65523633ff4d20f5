#include "server/log/row_hash.h"

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "engine/base/sha256.h"

namespace refund::server {
namespace {

constexpr absl::string_view kDomainTag = "refund.decision_log.v1\n";

}  // namespace

std::string GenesisHash() { return std::string(kSha256Size, '\0'); }

std::string ComputeRowHash(absl::string_view request_bytes,
                           absl::string_view decision_bytes,
                           absl::string_view bundle_version,
                           int64_t decided_at_micros,
                           absl::string_view prev_hash) {
  Sha256Builder builder;
  builder.Update(kDomainTag);
  builder.UpdateLengthPrefixed(request_bytes);
  builder.UpdateLengthPrefixed(decision_bytes);
  builder.UpdateLengthPrefixed(bundle_version);
  builder.UpdateU64(static_cast<uint64_t>(decided_at_micros));
  builder.Update(prev_hash);
  return builder.Finish();
}

}  // namespace refund::server

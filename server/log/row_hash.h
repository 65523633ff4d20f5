// The hash chain of the decision log: each stored decision carries the hash
// of the row before it, so that an edited, inserted or deleted row is
// detected (`refundctl verify`).
#ifndef SERVER_LOG_ROW_HASH_H_
#define SERVER_LOG_ROW_HASH_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "engine/base/sha256.h"

namespace refund::server {

// prev_hash of the first row: 32 zero bytes.
std::string GenesisHash();

// row_hash = SHA-256 over this canonical encoding, in order:
//   "refund.decision_log.v1\n"                    (domain tag)
//   u64be(len(request_bytes))  request_bytes
//   u64be(len(decision_bytes)) decision_bytes
//   u64be(len(bundle_version)) bundle_version
//   i64be(decided_at_micros)                      (two's complement)
//   prev_hash                                     (exactly 32 bytes)
// where u64be/i64be are 8-byte big-endian integers. Length prefixes make the
// encoding unambiguous. Returns the raw 32 bytes.
std::string ComputeRowHash(absl::string_view request_bytes,
                           absl::string_view decision_bytes,
                           absl::string_view bundle_version,
                           int64_t decided_at_micros,
                           absl::string_view prev_hash);

}  // namespace refund::server

#endif  // SERVER_LOG_ROW_HASH_H_

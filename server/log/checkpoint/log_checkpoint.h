// A checkpoint of the decision log: its chain head (the last row's seq and
// row_hash) at a time, as a signed note in plain text that a person can read,
// print and keep away from the log (docs/decision_log_format.md,
// "Checkpoints"). In the manner of Go's signed notes
// (golang.org/x/mod/sumdb/note): a body of text lines, a blank line, and a
// signature line over the body's exact bytes:
//
//   refund-decision-log checkpoint v1
//   origin build-01/decisions.db
//   seq 12345
//   row_hash 3f1c...(64 lower-case hex digits)
//   time 2026-12-07T13:45:00.123456Z
//
//   — refund-decision-log <base64(key id ‖ signature)>
//
// The signature line starts with U+2014 (em dash) and a space, then the
// key's name, a space, and standard base64 (with padding) of the 4-byte key
// id (the first 4 bytes of SHA-256 of the raw 32-byte Ed25519 public key)
// followed by the 64-byte Ed25519 signature of the body. Every line ends in
// "\n" (no "\r"); nothing follows the signature line. The body is what is
// signed, from its first byte to the "\n" ending the `time` line.
//
// This file knows the text only; signing and checking a signature:
// server/log/checkpoint/checkpoint_signer.h.
#ifndef SERVER_LOG_CHECKPOINT_LOG_CHECKPOINT_H_
#define SERVER_LOG_CHECKPOINT_LOG_CHECKPOINT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/log/log_verifier.h"

namespace refund::server {

// The first line of every checkpoint of this format.
inline constexpr char kCheckpointHeader[] = "refund-decision-log checkpoint v1";

// The signed fields.
struct LogCheckpoint {
  // Which log: 1 to 256 printable ASCII characters (spaces inside allowed),
  // e.g. the host name and the database file's name.
  std::string origin;
  // The last row's seq, >= 1 (an empty log has nothing to vouch for).
  int64_t seq = 0;
  // Its row_hash, raw 32 bytes.
  std::string row_hash;
  // When the head was read; written in UTC to the microsecond (finer parts
  // are dropped).
  absl::Time time;
};

// A parsed checkpoint note.
struct SignedCheckpoint {
  LogCheckpoint checkpoint;
  // The exact bytes signed.
  std::string body;
  std::string key_name;
  // The first 4 bytes of SHA-256 of the signer's raw public key.
  std::string key_id;
  // 64 bytes (Ed25519).
  std::string signature;
};

// OK when `origin` can be written in a checkpoint; INVALID_ARGUMENT saying
// why not.
absl::Status ValidateCheckpointOrigin(absl::string_view origin);

// OK when `name` can name a key in a signature line: 1 to 64 printable
// ASCII characters, no space and no '+' (as Go's notes); INVALID_ARGUMENT
// otherwise.
absl::Status ValidateCheckpointKeyName(absl::string_view name);

// The body of `checkpoint` (the bytes to sign). INVALID_ARGUMENT for a field
// the format cannot hold (origin, seq below 1, row_hash not 32 bytes, a time
// outside years 1970 to 9999).
absl::StatusOr<std::string> FormatCheckpointBody(
    const LogCheckpoint& checkpoint);

// The whole note: `body` (from FormatCheckpointBody), a blank line, the
// signature line. INVALID_ARGUMENT for a bad key name, a key id that is not
// 4 bytes or a signature that is not 64.
absl::StatusOr<std::string> FormatSignedCheckpoint(absl::string_view body,
                                                   absl::string_view key_name,
                                                   absl::string_view key_id,
                                                   absl::string_view signature);

// Parses a note strictly: exactly the lines above, in that order, each
// field in its one written form (a seq without leading zeros, lower-case
// hex, the time with six fractional digits and "Z"). INVALID_ARGUMENT
// naming the line ("checkpoint line 3 (seq): ..."). Does not check the
// signature.
absl::StatusOr<SignedCheckpoint> ParseCheckpoint(absl::string_view text);

// What the verifier checks a log against (server/log/log_verifier.h).
ChainAnchor AnchorOf(const LogCheckpoint& checkpoint);

}  // namespace refund::server

#endif  // SERVER_LOG_CHECKPOINT_LOG_CHECKPOINT_H_

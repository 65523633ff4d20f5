#include "server/log/checkpoint/log_checkpoint.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/base/sha256.h"

namespace refund::server {
namespace {

// U+2014 EM DASH and a space: what starts a signature line.
constexpr absl::string_view kSignaturePrefix = "\xE2\x80\x94 ";
constexpr size_t kKeyIdSize = 4;
constexpr size_t kSignatureSize = 64;
constexpr size_t kMaxOriginSize = 256;
constexpr size_t kMaxKeyNameSize = 64;
// Years 1970 to 9999: the form always has four year digits.
constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%E6SZ";
// Reads any fraction; only kTimeFormat's form is then accepted.
constexpr char kTimeParseFormat[] = "%Y-%m-%dT%H:%M:%E*SZ";
constexpr size_t kHashSize = kSha256Size;

bool IsPrintableAscii(char c) { return c >= 0x20 && c <= 0x7e; }

std::string FormatCheckpointTime(absl::Time time) {
  return absl::FormatTime(kTimeFormat, time, absl::UTCTimeZone());
}

// The time truncated to whole microseconds.
absl::Time ToMicros(absl::Time time) {
  return absl::FromUnixMicros(absl::ToUnixMicros(time));
}

bool TimeInRange(absl::Time time) {
  return time >= absl::UnixEpoch() &&
         time < absl::FromCivil(absl::CivilSecond(10000, 1, 1),
                                absl::UTCTimeZone());
}

// The raw bytes of exactly 64 lower-case hex digits; false for anything
// else.
bool ParseLowerHex(absl::string_view hex, std::string* bytes) {
  if (hex.size() != 2 * kHashSize) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  *bytes = absl::HexStringToBytes(hex);
  return true;
}

absl::Status LineError(int line, absl::string_view what,
                       absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("checkpoint line ", line, " (", what, "): ", message));
}

// The value of line `number`, which must read "<key> <value>".
absl::StatusOr<absl::string_view> FieldValue(absl::string_view line, int number,
                                             absl::string_view key) {
  const std::string prefix = absl::StrCat(key, " ");
  if (!absl::StartsWith(line, prefix)) {
    return LineError(number, key,
                     absl::StrCat("expected \"", key, " <value>\", found \"",
                                  absl::CHexEscape(line.substr(0, 40)), "\""));
  }
  return line.substr(prefix.size());
}

}  // namespace

absl::Status ValidateCheckpointOrigin(absl::string_view origin) {
  if (origin.empty()) return absl::InvalidArgumentError("origin: empty");
  if (origin.size() > kMaxOriginSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("origin: longer than ", kMaxOriginSize, " characters"));
  }
  for (char c : origin) {
    if (!IsPrintableAscii(c)) {
      return absl::InvalidArgumentError(
          "origin: only printable ASCII characters are allowed");
    }
  }
  if (origin.front() == ' ' || origin.back() == ' ') {
    return absl::InvalidArgumentError("origin: starts or ends with a space");
  }
  return absl::OkStatus();
}

absl::Status ValidateCheckpointKeyName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("key name: empty");
  if (name.size() > kMaxKeyNameSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("key name: longer than ", kMaxKeyNameSize, " characters"));
  }
  for (char c : name) {
    if (!IsPrintableAscii(c) || c == ' ' || c == '+') {
      return absl::InvalidArgumentError(
          "key name: only printable ASCII characters other than space and "
          "'+' are allowed");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FormatCheckpointBody(
    const LogCheckpoint& checkpoint) {
  if (absl::Status origin = ValidateCheckpointOrigin(checkpoint.origin);
      !origin.ok()) {
    return origin;
  }
  if (checkpoint.seq < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("seq: ", checkpoint.seq, " is below 1"));
  }
  if (checkpoint.row_hash.size() != kHashSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "row_hash: ", checkpoint.row_hash.size(), " bytes, not ", kHashSize));
  }
  const absl::Time time = ToMicros(checkpoint.time);
  if (!TimeInRange(time)) {
    return absl::InvalidArgumentError("time: outside the years 1970 to 9999");
  }
  return absl::StrCat(kCheckpointHeader, "\n",             //
                      "origin ", checkpoint.origin, "\n",  //
                      "seq ", checkpoint.seq, "\n",        //
                      "row_hash ", ToHex(checkpoint.row_hash), "\n", "time ",
                      FormatCheckpointTime(time), "\n");
}

absl::StatusOr<std::string> FormatSignedCheckpoint(
    absl::string_view body, absl::string_view key_name,
    absl::string_view key_id, absl::string_view signature) {
  if (absl::Status name = ValidateCheckpointKeyName(key_name); !name.ok()) {
    return name;
  }
  if (key_id.size() != kKeyIdSize || signature.size() != kSignatureSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("a key id of ", kKeyIdSize, " bytes and a signature of ",
                     kSignatureSize, " are needed, not ", key_id.size(),
                     " and ", signature.size()));
  }
  return absl::StrCat(body, "\n", kSignaturePrefix, key_name, " ",
                      absl::Base64Escape(absl::StrCat(key_id, signature)),
                      "\n");
}

absl::StatusOr<SignedCheckpoint> ParseCheckpoint(absl::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError("checkpoint: the text is empty");
  }
  if (text.back() != '\n') {
    return absl::InvalidArgumentError(
        "checkpoint: the text does not end with a newline (cut short?)");
  }
  // The last element is the empty string after the final "\n".
  std::vector<absl::string_view> lines =
      absl::StrSplit(text.substr(0, text.size() - 1), '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    if (absl::StrContains(lines[i], '\r')) {
      return LineError(static_cast<int>(i + 1), "line end",
                       "a carriage return; lines end in \"\\n\" only");
    }
  }
  constexpr size_t kLines = 7;
  if (lines.size() < kLines) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint: ", lines.size(), " lines, expected ", kLines,
                     " (five of body, a blank line, the signature line)"));
  }
  if (lines.size() > kLines) {
    return LineError(kLines + 1, "end",
                     "text after the signature line (one note per text)");
  }
  SignedCheckpoint note;
  LogCheckpoint& checkpoint = note.checkpoint;

  if (lines[0] != kCheckpointHeader) {
    return LineError(1, "header",
                     absl::StrCat("expected \"", kCheckpointHeader, "\""));
  }
  absl::StatusOr<absl::string_view> origin = FieldValue(lines[1], 2, "origin");
  if (!origin.ok()) return origin.status();
  if (absl::Status valid = ValidateCheckpointOrigin(*origin); !valid.ok()) {
    return LineError(2, "origin", valid.message());
  }
  checkpoint.origin = std::string(*origin);

  absl::StatusOr<absl::string_view> seq = FieldValue(lines[2], 3, "seq");
  if (!seq.ok()) return seq.status();
  const bool digits_only =
      !seq->empty() && seq->size() <= 18 &&
      std::all_of(seq->begin(), seq->end(), absl::ascii_isdigit);
  if (!digits_only || (*seq)[0] == '0' ||
      !absl::SimpleAtoi(*seq, &checkpoint.seq)) {
    return LineError(3, "seq",
                     "not a decimal number from 1 without leading zeros");
  }

  absl::StatusOr<absl::string_view> hash = FieldValue(lines[3], 4, "row_hash");
  if (!hash.ok()) return hash.status();
  if (!ParseLowerHex(*hash, &checkpoint.row_hash)) {
    return LineError(4, "row_hash", "not 64 lower-case hex digits");
  }

  absl::StatusOr<absl::string_view> time = FieldValue(lines[4], 5, "time");
  if (!time.ok()) return time.status();
  std::string why;
  absl::Time parsed;
  if (!absl::ParseTime(kTimeParseFormat, *time, absl::UTCTimeZone(), &parsed,
                       &why) ||
      !TimeInRange(parsed) || FormatCheckpointTime(parsed) != *time) {
    return LineError(5, "time",
                     "not a UTC time of the form 2026-12-07T13:45:00.123456Z");
  }
  checkpoint.time = parsed;

  if (!lines[5].empty()) {
    return LineError(6, "blank", "expected the blank line ending the body");
  }
  const absl::string_view signature_line = lines[6];
  if (!absl::StartsWith(signature_line, kSignaturePrefix)) {
    return LineError(7, "signature",
                     "expected \"\xE2\x80\x94 <key name> <base64>\"");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(
      signature_line.substr(kSignaturePrefix.size()), absl::MaxSplits(' ', 1));
  if (parts.size() != 2) {
    return LineError(7, "signature", "expected a key name and a signature");
  }
  if (absl::Status name = ValidateCheckpointKeyName(parts[0]); !name.ok()) {
    return LineError(7, "signature", name.message());
  }
  std::string decoded;
  if (!absl::Base64Unescape(parts[1], &decoded) ||
      decoded.size() != kKeyIdSize + kSignatureSize ||
      absl::Base64Escape(decoded) != parts[1]) {
    return LineError(
        7, "signature",
        absl::StrCat("not standard base64 of ", kKeyIdSize + kSignatureSize,
                     " bytes (a 4-byte key id and a 64-byte signature)"));
  }
  note.key_name = std::string(parts[0]);
  note.key_id = decoded.substr(0, kKeyIdSize);
  note.signature = decoded.substr(kKeyIdSize);
  // Lines 1-5 and their newlines.
  size_t body_size = 0;
  for (size_t i = 0; i < 5; ++i) body_size += lines[i].size() + 1;
  note.body = std::string(text.substr(0, body_size));
  return note;
}

ChainAnchor AnchorOf(const LogCheckpoint& checkpoint) {
  return ChainAnchor{checkpoint.seq, checkpoint.row_hash};
}

}  // namespace refund::server

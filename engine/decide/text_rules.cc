#include "engine/decide/text_rules.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace refund {
namespace {

constexpr uint64_t kOnes = 0x0101010101010101;
constexpr uint64_t kHighs = 0x8080808080808080;
constexpr uint64_t kSpaces = kOnes * 0x20;

// True when the eight bytes of `x` are all printable ASCII (0x20-0x7e): no
// high bit, no byte below 0x20 ((x - 0x20..20) & ~x has the high bit of such
// a byte set), no 0x7f (x ^ 0x7f..7f has a zero byte). The "has a byte less
// than n" tests are exact for the word as a whole when no high bit is set.
bool PrintableAscii(uint64_t x) {
  const uint64_t del = x ^ (kOnes * 0x7f);
  return ((x | ((x - kSpaces) & ~x) | ((del - kOnes) & ~del)) & kHighs) == 0;
}

// Decodes the UTF-8 sequence starting at p[0] (a byte >= 0x80), at most `n`
// bytes long. Returns its length, 0 when it is not valid RFC 3629 UTF-8.
inline size_t DecodeSequence(const unsigned char* p, size_t n,
                             char32_t* code_point) {
  const unsigned char c = p[0];
  const auto continuation = [](unsigned char b) { return (b & 0xc0) == 0x80; };
  if (c < 0xc2) return 0;  // a continuation byte, or an overlong 2-byte form
  if (c < 0xe0) {
    if (n < 2 || !continuation(p[1])) return 0;
    *code_point = (char32_t{c} & 0x1f) << 6 | (p[1] & 0x3f);
    return 2;
  }
  if (c < 0xf0) {
    if (n < 3 || !continuation(p[2])) return 0;
    // E0 needs A0-BF (no overlong forms), ED needs 80-9F (no surrogates).
    const unsigned char low = c == 0xe0 ? 0xa0 : 0x80;
    const unsigned char high = c == 0xed ? 0x9f : 0xbf;
    if (p[1] < low || p[1] > high) return 0;
    *code_point = (char32_t{c} & 0x0f) << 12 | char32_t{p[1] & 0x3fu} << 6 |
                  (p[2] & 0x3f);
    return 3;
  }
  if (c < 0xf5) {
    if (n < 4 || !continuation(p[2]) || !continuation(p[3])) return 0;
    // F0 needs 90-BF (no overlong forms), F4 needs 80-8F (<= U+10FFFF).
    const unsigned char low = c == 0xf0 ? 0x90 : 0x80;
    const unsigned char high = c == 0xf4 ? 0x8f : 0xbf;
    if (p[1] < low || p[1] > high) return 0;
    *code_point = (char32_t{c} & 0x07) << 18 | char32_t{p[1] & 0x3fu} << 12 |
                  char32_t{p[2] & 0x3fu} << 6 | (p[3] & 0x3f);
    return 4;
  }
  return 0;
}

bool IsSpace(char32_t cp) {
  return cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
         cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

// The formatting characters refused in every string: line and paragraph
// separators, bidirectional embeddings, overrides and isolates.
bool IsLayoutControl(char32_t cp) {
  return (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

// The further invisible characters refused in ids (text_rules.h lists them).
bool IsInvisibleInId(char32_t cp) {
  return cp == 0xad || cp == 0x61c || cp == 0x180e ||
         (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2060 && cp <= 0x2064) ||
         (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff ||
         (cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xe0000 && cp <= 0xe007f);
}

}  // namespace

TextCheck CheckCharacters(absl::string_view text, TextKind kind) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  // Until a character other than a space is seen (ids only).
  bool blank = kind == TextKind::kId && n > 0;
  size_t i = 0;
  while (i < n) {
    // Eight bytes at a time; the last few padded with spaces, which change
    // neither answer (a space is printable, and pads only a blank id).
    uint64_t x = kSpaces;
    const size_t chunk = n - i >= 8 ? 8 : n - i;
    if (chunk == 8) {
      std::memcpy(&x, p + i, 8);
    } else {
      std::memcpy(&x, p + i, chunk);
    }
    if (PrintableAscii(x)) {
      blank = blank && x == kSpaces;
      i += chunk;
      continue;
    }
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return {TextProblem::kControl, c};
      blank = blank && c == ' ';
      ++i;
      continue;
    }
    char32_t cp = 0;
    const size_t length = DecodeSequence(p + i, n - i, &cp);
    if (length == 0) return {TextProblem::kInvalidUtf8, 0};
    i += length;
    // Most characters of real text (CJK, kana, hangul) lie between the
    // ideographic space and the byte order mark: none of them is refused.
    if (cp > 0x3000 && cp < 0xfeff) {
      blank = false;
      continue;
    }
    if (cp < 0xa0) return {TextProblem::kControl, cp};
    if (IsLayoutControl(cp)) return {TextProblem::kFormat, cp};
    if (kind == TextKind::kId) {
      if (IsInvisibleInId(cp)) return {TextProblem::kFormat, cp};
      blank = blank && IsSpace(cp);
    }
  }
  if (blank) return {TextProblem::kBlank, 0};
  return {};
}

std::string DescribeTextProblem(const TextCheck& check) {
  switch (check.problem) {
    case TextProblem::kNone:
      return "";
    case TextProblem::kInvalidUtf8:
      return "not valid UTF-8";
    case TextProblem::kControl:
      return absl::StrFormat("contains a control character (U+%04X)",
                             static_cast<uint32_t>(check.code_point));
    case TextProblem::kFormat:
      return absl::StrFormat(
          "contains an invisible or formatting character (U+%04X)",
          static_cast<uint32_t>(check.code_point));
    case TextProblem::kBlank:
      return "blank (only spaces)";
  }
  return "";
}

bool IsValidUtf8(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8) {
      uint64_t x;
      std::memcpy(&x, p + i, 8);
      if ((x & kHighs) == 0) {
        i += 8;
        continue;
      }
    }
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    char32_t cp = 0;
    const size_t length = DecodeSequence(p + i, n - i, &cp);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace refund

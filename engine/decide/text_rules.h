// Which characters the strings of a request may hold. Two kinds of string:
//
// - ids (request_id, refund_id, shop_id, order.order_id, items[].sku,
//   items[].category, return_shipment.tracking_number,
//   inspection.received_items[].sku, buyer.buyer_id, locale): matched,
//   indexed and logged by value, so two ids that look alike must be alike.
//   Refused: invalid UTF-8; control characters (C0 U+0000-U+001F, DEL
//   U+007F, C1 U+0080-U+009F, which includes NEL U+0085); invisible and
//   formatting characters: U+00AD (soft hyphen), U+061C (Arabic letter
//   mark), U+180E (Mongolian vowel separator), U+200B-U+200F (zero-width
//   space, non-joiner, joiner, left-to-right and right-to-left marks),
//   U+2028-U+202E (line and paragraph separators, the bidirectional
//   embeddings and overrides), U+2060-U+2064 (word joiner, invisible
//   operators), U+2066-U+206F (bidirectional isolates, deprecated format
//   characters), U+FEFF (byte order mark), U+FFF9-U+FFFB (interlinear
//   annotation), U+E0000-U+E007F (tag characters); and an id made only of
//   spaces: U+0020, U+00A0, U+1680, U+2000-U+200A, U+202F, U+205F, U+3000
//   (Unicode's White_Space characters that are neither controls nor line
//   separators, refused above). Spaces inside an id are allowed.
// - free text (items[].title): read by people (agents, auditors), never
//   matched. Refused: invalid UTF-8, the control characters above, and the
//   characters that change how the rest of a line reads: U+2028-U+202E and
//   the bidirectional isolates U+2066-U+2069 ("Trojan source": a title that
//   displays in another order than it is stored). Zero-width joiners and
//   marks stay allowed (emoji sequences, Persian and Indic scripts,
//   mixed-direction text need them), and so does a title of spaces.
#ifndef ENGINE_DECIDE_TEXT_RULES_H_
#define ENGINE_DECIDE_TEXT_RULES_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace refund {

enum class TextKind {
  kId,
  kText,
};

enum class TextProblem : uint8_t {
  kNone,
  kInvalidUtf8,
  kControl,  // C0, DEL or C1
  kFormat,   // an invisible or formatting character refused for the kind
  kBlank,    // an id of spaces only (never reported for kText or "")
};

struct TextCheck {
  TextProblem problem = TextProblem::kNone;
  // The offending character, for kControl and kFormat.
  char32_t code_point = 0;
};

// The first problem of `text` under the rules of `kind` (in the order of
// the text; kBlank only when there is no other). Plain ASCII is read eight
// bytes at a time; other characters are decoded one by one.
TextCheck CheckCharacters(absl::string_view text, TextKind kind);

// Why a string is refused, for an error message: "not valid UTF-8",
// "contains a control character (U+0085)", "contains an invisible or
// formatting character (U+202E)", "blank (only spaces)"; "" for kNone.
std::string DescribeTextProblem(const TextCheck& check);

// True when `text` is UTF-8 as RFC 3629 defines it (no overlong forms, no
// surrogates U+D800-U+DFFF, nothing above U+10FFFF): what protobuf's parser
// requires of a proto3 string field.
bool IsValidUtf8(absl::string_view text);

}  // namespace refund

#endif  // ENGINE_DECIDE_TEXT_RULES_H_

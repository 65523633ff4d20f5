// Byte offsets and line:column positions inside a policy file, and the
// mapping from a text-format string value back to the file, so that a mistake
// inside an expression is reported where it stands in the file.
#ifndef ENGINE_LOAD_SOURCE_TEXT_H_
#define ENGINE_LOAD_SOURCE_TEXT_H_

#include <cstddef>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace refund {

class SourceText {
 public:
  // `content` must outlive this object.
  explicit SourceText(absl::string_view content);

  // Offset of a position as protobuf's tokenizer reports it (0-based line,
  // 0-based column where a tab advances to the next multiple of 8).
  size_t OffsetOfTokenizerPosition(int line, int column) const;

  // 1-based line and 1-based byte column of `offset`.
  std::pair<int, int> LineColumnOf(size_t offset) const;

  // For a string field whose name starts at `field_offset` (`when: "a" "b"`),
  // the file offset of every byte of the decoded value, plus one past the
  // end. Empty when no string literal follows the field name.
  std::vector<size_t> StringValueOffsets(size_t field_offset) const;

 private:
  absl::string_view content_;
  std::vector<size_t> line_starts_;
};

}  // namespace refund

#endif  // ENGINE_LOAD_SOURCE_TEXT_H_

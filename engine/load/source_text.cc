#include "engine/load/source_text.h"

#include <algorithm>

#include "absl/strings/string_view.h"

namespace refund {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsOctal(char c) { return c >= '0' && c <= '7'; }
bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

}  // namespace

SourceText::SourceText(absl::string_view content) : content_(content) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < content_.size(); ++i) {
    if (content_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

size_t SourceText::OffsetOfTokenizerPosition(int line, int column) const {
  if (line < 0 || static_cast<size_t>(line) >= line_starts_.size()) {
    return content_.size();
  }
  size_t offset = line_starts_[line];
  int tokenizer_column = 0;
  while (offset < content_.size() && content_[offset] != '\n' &&
         tokenizer_column < column) {
    tokenizer_column += content_[offset] == '\t' ? 8 - tokenizer_column % 8 : 1;
    ++offset;
  }
  return offset;
}

std::pair<int, int> SourceText::LineColumnOf(size_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line = static_cast<size_t>(it - line_starts_.begin()) - 1;
  return {static_cast<int>(line) + 1,
          static_cast<int>(offset - line_starts_[line]) + 1};
}

std::vector<size_t> SourceText::StringValueOffsets(size_t field_offset) const {
  std::vector<size_t> offsets;
  bool found_literal = false;
  size_t i = field_offset;
  const size_t n = content_.size();
  // Skip the field name, then ':' and blanks up to the first literal.
  while (i < n && content_[i] != '"' && content_[i] != '\'' &&
         content_[i] != '\n' && content_[i] != '#') {
    ++i;
  }
  for (;;) {
    // Between literals: blanks and comments.
    while (i < n) {
      if (IsSpace(content_[i])) {
        ++i;
      } else if (content_[i] == '#') {
        while (i < n && content_[i] != '\n') ++i;
      } else {
        break;
      }
    }
    if (i >= n || (content_[i] != '"' && content_[i] != '\'')) break;
    found_literal = true;
    const char quote = content_[i++];
    while (i < n && content_[i] != quote && content_[i] != '\n') {
      const size_t start = i;
      if (content_[i] != '\\') {
        offsets.push_back(i++);
        continue;
      }
      ++i;  // the backslash
      if (i >= n) break;
      if (IsOctal(content_[i])) {
        for (int k = 0; k < 3 && i < n && IsOctal(content_[i]); ++k) ++i;
      } else if (content_[i] == 'x' || content_[i] == 'X') {
        ++i;
        for (int k = 0; k < 2 && i < n && IsHex(content_[i]); ++k) ++i;
      } else if (content_[i] == 'u' || content_[i] == 'U') {
        // A \u escape decodes to 1-4 UTF-8 bytes; attribute them all here.
        const int digits = content_[i] == 'u' ? 4 : 8;
        ++i;
        for (int k = 0; k < digits && i < n && IsHex(content_[i]); ++k) ++i;
        offsets.push_back(start);
        offsets.push_back(start);
      } else {
        ++i;
      }
      offsets.push_back(start);
    }
    if (i < n && content_[i] == quote) ++i;
  }
  if (!found_literal) return {};
  offsets.push_back(std::min(i, n));
  return offsets;
}

}  // namespace refund

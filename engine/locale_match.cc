#include "engine/locale_match.h"

#include <cstddef>

#include "absl/strings/ascii.h"

namespace refund {
namespace {

// Lower case, `_` as `-`.
std::string Normalize(absl::string_view tag) {
  std::string out = absl::AsciiStrToLower(tag);
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

absl::string_view PrimaryLanguage(absl::string_view normalized) {
  return normalized.substr(0, normalized.find('-'));
}

}  // namespace

LocaleMatch MatchLocale(const std::vector<std::string>& locales,
                        absl::string_view requested) {
  if (requested.empty()) return LocaleMatch{};
  const std::string wanted = Normalize(requested);
  for (size_t i = 0; i < locales.size(); ++i) {
    if (Normalize(locales[i]) == wanted) {
      return LocaleMatch{static_cast<int>(i), false};
    }
  }
  const absl::string_view language = PrimaryLanguage(wanted);
  for (size_t i = 0; i < locales.size(); ++i) {
    const std::string candidate = Normalize(locales[i]);
    if (PrimaryLanguage(candidate) == language) {
      return LocaleMatch{static_cast<int>(i), false};
    }
  }
  return LocaleMatch{0, true};
}

}  // namespace refund

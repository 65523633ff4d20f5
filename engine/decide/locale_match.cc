#include "engine/decide/locale_match.h"

#include <cstddef>

#include "absl/strings/ascii.h"

namespace refund {
namespace {

// A tag character as compared: lower case, `_` as `-`.
char Normalized(char c) {
  return c == '_' ? '-' : absl::ascii_tolower(static_cast<unsigned char>(c));
}

// Equal once both are normalized (no copies: a decision matches its locale
// on every call).
bool NormalizedEqual(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Normalized(a[i]) != Normalized(b[i])) return false;
  }
  return true;
}

// The primary language: up to the first `-` or `_`.
absl::string_view PrimaryLanguage(absl::string_view tag) {
  return tag.substr(0, tag.find_first_of("-_"));
}

}  // namespace

LocaleMatch MatchLocale(const std::vector<std::string>& locales,
                        absl::string_view requested) {
  if (requested.empty()) return LocaleMatch{};
  for (size_t i = 0; i < locales.size(); ++i) {
    if (NormalizedEqual(locales[i], requested)) {
      return LocaleMatch{static_cast<int>(i), false};
    }
  }
  const absl::string_view language = PrimaryLanguage(requested);
  for (size_t i = 0; i < locales.size(); ++i) {
    if (NormalizedEqual(PrimaryLanguage(locales[i]), language)) {
      return LocaleMatch{static_cast<int>(i), false};
    }
  }
  return LocaleMatch{0, true};
}

}  // namespace refund

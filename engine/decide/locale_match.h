// Which of a bundle's locales serves a requested language tag. Used by
// Decide (the request's locale) and SuggestActions (the agent's locale), so
// both render the same language for the same tag.
#ifndef ENGINE_DECIDE_LOCALE_MATCH_H_
#define ENGINE_DECIDE_LOCALE_MATCH_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace refund {

struct LocaleMatch {
  int index = 0;  // into the bundle's locales; 0 is the default
  // True when `requested` was given but no locale serves it, so the default
  // stands in.
  bool fallback = false;
};

// `locales` is non-empty; [0] is the default. Matching, first hit wins:
// - empty `requested`: the default (not a fallback);
// - the same tag, ignoring case and `_` vs `-` ("zh_cn" = "zh-CN");
// - the same primary language ("en-US" -> "en", "zh-Hans" -> "zh-CN");
// - otherwise the default, as a fallback.
LocaleMatch MatchLocale(const std::vector<std::string>& locales,
                        absl::string_view requested);

}  // namespace refund

#endif  // ENGINE_DECIDE_LOCALE_MATCH_H_

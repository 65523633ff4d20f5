// The installed Abseil (Debian 12) is built with its own absl::string_view
// (ABSL_OPTION_USE_STD_STRING_VIEW 0), which does not convert from
// std::string_view; this bridges the two without copying.
#ifndef ENGINE_BASE_ABSL_COMPAT_H_
#define ENGINE_BASE_ABSL_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace refund::expr {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

inline std::string_view ToStd(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace refund::expr

#endif  // ENGINE_BASE_ABSL_COMPAT_H_

// The canonical form of a bundle: what its version is computed from and what
// the decision log stores, so that the version depends on the bundle's
// content only, never on file names, file order or formatting.
#ifndef ENGINE_LOAD_BUNDLE_CANONICALIZER_H_
#define ENGINE_LOAD_BUNDLE_CANONICALIZER_H_

#include <string>

#include "refund/v1/policy.pb.h"

namespace refund {

// Fills every defaulted setting explicitly and sorts: constants by name,
// rules by id, catalogs by code, localized texts by locale.
v1::PolicyBundle CanonicalizeBundle(const v1::PolicyBundle& merged);

// Text format (UTF-8 kept readable) of a canonical bundle.
std::string CanonicalText(const v1::PolicyBundle& canonical);

// Defaults of BundleSettings.
inline constexpr char kDefaultTimeZone[] = "Asia/Shanghai";
inline constexpr char kDefaultCurrency[] = "CNY";
inline constexpr int kDefaultSlaHours = 24;
inline constexpr int kDefaultUrgentSlaHours = 2;
inline constexpr char kDefaultUrgentWhen[] = "request.flags.urgent";
inline constexpr char kDefaultQuietStart[] = "22:00";
inline constexpr char kDefaultQuietEnd[] = "08:00";

}  // namespace refund

#endif  // ENGINE_LOAD_BUNDLE_CANONICALIZER_H_

#include "tests/testing/synthetic_bundle.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace refund::testing {
namespace {

// Codes of the shipped catalog (policies/catalog.textproto) that rules may
// name.
constexpr const char* kActions[] = {"CONTACT_BY_MESSAGE_FIRST",
                                    "SOOTHE_BUYER",
                                    "INSPECT_RETURN",
                                    "SEND_RETURN_NOTICE",
                                    "OFFER_PARTIAL_REFUND",
                                    "REMIND_RETURN_TRACKING",
                                    "EXPLAIN_AND_OFFER_ALTERNATIVE",
                                    "KEEP_TRYING_CONTACT"};
constexpr const char* kForbidden[] = {
    "PHONE_AT_NIGHT", "REJECT_WITHOUT_EVIDENCE", "INSULT_OR_THREATEN_BUYER"};
constexpr const char* kRisks[] = {"DISPUTE_RATE", "PLATFORM_INTERVENTION"};
constexpr const char* kVerdicts[] = {"VERDICT_APPROVE", "VERDICT_NEGOTIATE",
                                     "VERDICT_REJECT"};

template <typename T, size_t N>
const T& Pick(const T (&items)[N], SplitMix64& rng) {
  return items[rng.Below(N)];
}

std::string PlatformName(uint64_t i) {
  return v1::Platform_Name(static_cast<v1::Platform>(1 + i % 5));
}
std::string TypeName(uint64_t i) {
  return v1::RequestType_Name(static_cast<v1::RequestType>(1 + i % 5));
}
std::string ReasonName(uint64_t i) {
  return v1::Reason_Name(static_cast<v1::Reason>(1 + i % 11));
}

// `field == A` or, one time in four, `field in [A, B]`.
std::string KeyTest(const std::string& field, std::string (*name)(uint64_t),
                    SplitMix64& rng) {
  const uint64_t a = rng.Next();
  if (rng.OneIn(4)) {
    return absl::StrCat(field, " in [", name(a), ", ", name(a + 1), "]");
  }
  return absl::StrCat(field, " == ", name(a));
}

std::string ExtraConjunct(SplitMix64& rng) {
  switch (rng.Below(4)) {
    case 0:
      return absl::StrCat("request.requested_amount <= yuan(",
                          50 + rng.Below(400), ")");
    case 1:
      return "is_delivered()";
    case 2:
      return "!request.flags.complaint_threat";
    default:
      return "request.order.paid_amount > fen(0)";
  }
}

// Forms the index must handle exactly (noise mode).
std::string NoiseCondition(int shops, SplitMix64& rng) {
  const std::string shop =
      absl::StrCat("\"shop-", rng.Below(static_cast<uint64_t>(shops)), "\"");
  switch (rng.Below(8)) {
    case 0:  // reversed
      return absl::StrCat(ReasonName(rng.Next()), " == request.reason && ",
                          shop, " == request.shop_id");
    case 1:  // not a key
      return absl::StrCat("request.reason != ", ReasonName(rng.Next()));
    case 2:  // contradictory keys: never matches
      return absl::StrCat("request.reason == ", ReasonName(0),
                          " && request.reason == ", ReasonName(1));
    case 3:  // overlapping keys on one field
      return absl::StrCat("request.type in [", TypeName(0), ", ", TypeName(1),
                          "] && request.type in [", TypeName(1), ", ",
                          TypeName(2), "]");
    case 4:  // a disjunction: never indexed
      return absl::StrCat("request.reason == ", ReasonName(rng.Next()),
                          " || request.shop_id == ", shop);
    case 5:  // fails when not delivered, but a false key wins
      return absl::StrCat("request.platform == ", PlatformName(rng.Next()),
                          " && within_days_of_signing(7)");
    case 6:  // fails when not delivered, not keyed
      return "within_days_of_signing(3)";
    default:  // a key and a string key
      return absl::StrCat(KeyTest("request.type", TypeName, rng),
                          " && request.shop_id == ", shop);
  }
}

// A text-format string literal of `text`.
std::string Quoted(const std::string& text) {
  return absl::StrCat("\"", absl::CEscape(text), "\"");
}

}  // namespace

int SyntheticShopCount(const SyntheticBundleOptions& options) {
  if (options.shop_count > 0) return options.shop_count;
  return std::max(1, options.rule_count / std::max(1, options.rules_per_shop));
}

absl::StatusOr<std::vector<BundleSourceFile>> SyntheticBundle(
    const std::string& policies_dir, const SyntheticBundleOptions& options) {
  absl::StatusOr<std::vector<BundleSourceFile>> shipped =
      ReadBundleDirectory(policies_dir);
  if (!shipped.ok()) return shipped.status();
  std::vector<BundleSourceFile> files;
  for (BundleSourceFile& file : *shipped) {
    if (file.path == "bundle.textproto" || file.path == "catalog.textproto") {
      files.push_back(std::move(file));
    }
  }
  const int shops = SyntheticShopCount(options);
  // Platform-wide rules are a few whatever the size: a bundle grows by
  // shops, so the rules a request matches stay about as many.
  const int platform_wide =
      std::min(kMaxPlatformWideRules, options.rule_count / 10);
  int platform_wide_left = platform_wide;
  SplitMix64 rng(options.seed);
  std::string rules;
  for (int i = 0; i < options.rule_count; ++i) {
    std::string when;
    const uint64_t kind = rng.Below(10);
    if (i < kUnkeyedRules) {
      when = i % 2 == 0 ? "is_delivered()" : "request.flags.urgent";
    } else if (options.noise && kind < 4) {
      when = NoiseCondition(shops, rng);
    } else if (kind == 9 && platform_wide_left > 0) {  // platform-wide
      --platform_wide_left;
      std::vector<std::string> tests = {
          KeyTest("request.type", TypeName, rng),
          KeyTest("request.reason", ReasonName, rng)};
      if (rng.OneIn(2)) {
        tests.push_back(KeyTest("request.platform", PlatformName, rng));
      }
      when = absl::StrJoin(tests, " && ");
    } else {  // one shop's
      std::vector<std::string> tests = {
          absl::StrCat("request.shop_id == \"shop-",
                       rng.Below(static_cast<uint64_t>(shops)), "\"")};
      if (!rng.OneIn(4)) {
        tests.push_back(KeyTest("request.platform", PlatformName, rng));
      }
      if (!rng.OneIn(3))
        tests.push_back(KeyTest("request.type", TypeName, rng));
      tests.push_back(KeyTest("request.reason", ReasonName, rng));
      if (rng.OneIn(3)) tests.push_back(ExtraConjunct(rng));
      when = absl::StrJoin(tests, " && ");
    }
    char id[32];
    std::snprintf(id, sizeof(id), "synthetic.r%05d", i);
    absl::StrAppend(&rules, "rules {\n  id: ", Quoted(id),
                    "\n  description: \"generated rule\"\n  priority: ",
                    rng.Below(1000), "\n  when: ", Quoted(when), "\n");
    const uint64_t verdict = rng.Below(5);
    if (options.noise && verdict == 4 && rng.OneIn(2)) {
      absl::StrAppend(&rules, "  only_for_verdicts: VERDICT_NEGOTIATE\n");
    } else if (verdict < 3) {
      absl::StrAppend(&rules, "  verdict: ", kVerdicts[verdict], "\n");
    }
    if (options.noise && rng.OneIn(4)) {
      absl::StrAppend(&rules,
                      "  refund_amount: \"request.requested_amount - "
                      "yuan(",
                      rng.Below(30), ")\"\n");
    }
    if (rng.OneIn(3)) {
      absl::StrAppend(&rules, "  evidence { kind: ",
                      v1::EvidenceKind_Name(
                          static_cast<v1::EvidenceKind>(1 + rng.Below(12))),
                      " reason: \"generated evidence\" }\n");
    }
    absl::StrAppend(&rules, "  actions: ", Quoted(Pick(kActions, rng)), "\n");
    if (rng.OneIn(2)) {
      absl::StrAppend(&rules, "  actions: ", Quoted(Pick(kActions, rng)), "\n");
    }
    if (rng.OneIn(3)) {
      absl::StrAppend(&rules, "  forbidden: ", Quoted(Pick(kForbidden, rng)),
                      "\n");
    }
    if (rng.OneIn(4)) {
      absl::StrAppend(&rules, "  risks: ", Quoted(Pick(kRisks, rng)), "\n");
    }
    absl::StrAppend(&rules, "  explanation: \"generated rule ", id,
                    " matched\"\n}\n");
  }
  files.push_back({"rules/generated.textproto", std::move(rules)});
  return files;
}

v1::RefundRequest SyntheticRequest(const v1::RefundRequest& base,
                                   const SyntheticBundleOptions& options,
                                   SplitMix64& rng) {
  v1::RefundRequest request = base;
  request.set_shop_id(absl::StrCat(
      "shop-", rng.Below(static_cast<uint64_t>(SyntheticShopCount(options)))));
  request.set_platform(static_cast<v1::Platform>(1 + rng.Below(5)));
  request.set_type(static_cast<v1::RequestType>(1 + rng.Below(5)));
  request.set_reason(static_cast<v1::Reason>(1 + rng.Below(11)));
  return request;
}

}  // namespace refund::testing

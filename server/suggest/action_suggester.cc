#include "server/suggest/action_suggester.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/decide/locale_match.h"

namespace refund::server {
namespace {

// The console's view of `decision`, made by `bundle`.
v1::SuggestActionsResponse ToSuggestion(const v1::Decision& decision,
                                        const CompiledBundle& bundle) {
  v1::SuggestActionsResponse out;
  out.set_verdict(decision.verdict());
  *out.mutable_actions() = decision.actions();
  for (const v1::EvidenceRequirement& evidence : decision.required_evidence()) {
    if (!evidence.satisfied()) *out.add_missing_evidence() = evidence;
  }
  *out.mutable_forbidden() = decision.forbidden();
  *out.mutable_risks() = decision.risks();
  out.set_locale(decision.locale());
  out.set_decision_id(decision.decision_id());
  out.set_refund_id(decision.refund_id());
  *out.mutable_refund_amount() = decision.refund_amount();
  *out.mutable_respond_by() = decision.respond_by();
  out.set_time_zone(bundle.definition().settings().time_zone());
  *out.mutable_policy() = decision.policy();
  return out;
}

// The verdict and every code of `rerendered` are those of `stored`: only the
// texts may differ between locales.
bool SameOutcome(const v1::Decision& stored, const v1::Decision& rerendered) {
  if (stored.verdict() != rerendered.verdict() ||
      stored.refund_amount().minor_units() !=
          rerendered.refund_amount().minor_units() ||
      stored.actions_size() != rerendered.actions_size() ||
      stored.required_evidence_size() != rerendered.required_evidence_size() ||
      stored.forbidden_size() != rerendered.forbidden_size() ||
      stored.risks_size() != rerendered.risks_size()) {
    return false;
  }
  for (int i = 0; i < stored.actions_size(); ++i) {
    if (stored.actions(i).code() != rerendered.actions(i).code()) return false;
  }
  for (int i = 0; i < stored.required_evidence_size(); ++i) {
    if (stored.required_evidence(i).kind() !=
        rerendered.required_evidence(i).kind()) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<v1::SuggestActionsResponse> SuggestDryRun(
    const CompiledBundle& bundle, v1::RefundRequest request,
    const std::string& locale) {
  const std::vector<std::string>& locales = bundle.locales();
  const LocaleMatch match =
      MatchLocale(locales, locale.empty() ? request.locale() : locale);
  request.set_locale(locales[match.index]);
  absl::StatusOr<v1::Decision> decision = bundle.Decide(request);
  if (!decision.ok()) return decision.status();
  v1::SuggestActionsResponse out = ToSuggestion(*decision, bundle);
  out.set_dry_run(true);
  out.set_locale_fallback(match.fallback);
  return out;
}

ActionSuggester::ActionSuggester(const BundleHolder& bundles, DecisionLog& log,
                                 BundleCache& bundle_cache)
    : bundles_(bundles), log_(log), bundle_cache_(bundle_cache) {}

absl::StatusOr<v1::SuggestActionsResponse> ActionSuggester::Suggest(
    const v1::SuggestActionsRequest& request, const ShopScope& scope) const {
  const bool by_id = !request.decision_id().empty();
  if (by_id == request.has_request()) {
    return absl::InvalidArgumentError(
        by_id ? "decision_id, request: give one of them, not both"
              : "decision_id: required (or an inline request for a dry run)");
  }
  if (by_id) {
    return ForStoredDecision(request.decision_id(), request.locale(), scope);
  }
  std::shared_ptr<const ActiveBundle> active = bundles_.Get();
  if (active == nullptr) {
    return absl::UnavailableError("no policy bundle is loaded");
  }
  return SuggestDryRun(active->For(request.request().shop_id()),
                       request.request(), request.locale());
}

absl::StatusOr<v1::SuggestActionsResponse> ActionSuggester::ForStoredDecision(
    const std::string& decision_id, const std::string& locale,
    const ShopScope& scope) const {
  absl::StatusOr<StoredDecision> stored = log_.GetDecision(decision_id, scope);
  if (!stored.ok()) return stored.status();
  v1::RefundRequest original;
  if (!original.ParseFromString(stored->request_bytes)) {
    return absl::DataLossError(
        absl::StrCat("decision ", decision_id, ": stored request unreadable"));
  }
  std::shared_ptr<const CompiledBundle> bundle;
  std::shared_ptr<const ActiveBundle> active = bundles_.Get();
  if (active != nullptr &&
      active->bundle->version() == stored->bundle_version) {
    bundle = active->bundle;
  } else {
    absl::StatusOr<std::shared_ptr<const CompiledBundle>> cached =
        bundle_cache_.Get(stored->bundle_version);
    if (!cached.ok()) {
      if (absl::IsNotFound(cached.status())) {
        return absl::DataLossError(
            absl::StrCat("decision ", decision_id, ": its bundle ",
                         stored->bundle_version, " is missing from the log"));
      }
      return cached.status();
    }
    bundle = *std::move(cached);
  }

  const std::vector<std::string>& locales = bundle->locales();
  const LocaleMatch match =
      MatchLocale(locales, locale.empty() ? original.locale() : locale);
  const std::string& wanted = locales[match.index];
  if (wanted == stored->decision.locale()) {
    v1::SuggestActionsResponse out = ToSuggestion(stored->decision, *bundle);
    out.set_locale_fallback(match.fallback);
    return out;
  }
  // Rendered again in the agent's language: the same request under the same
  // bundle decides the same, so only the texts change.
  original.set_locale(wanted);
  absl::StatusOr<v1::Decision> rerendered = bundle->Decide(original);
  if (!rerendered.ok() || !SameOutcome(stored->decision, *rerendered)) {
    return absl::DataLossError(absl::StrCat(
        "decision ", decision_id,
        ": its bundle no longer reproduces it; run refundctl verify"));
  }
  rerendered->set_decision_id(decision_id);
  v1::SuggestActionsResponse out = ToSuggestion(*rerendered, *bundle);
  out.set_locale_fallback(match.fallback);
  return out;
}

}  // namespace refund::server

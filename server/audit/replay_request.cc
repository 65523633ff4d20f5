#include "server/audit/replay_request.h"

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/base/status_macros.h"
#include "engine/load/policy_issue.h"
#include "server/audit/decision_filter.h"
#include "server/bundles/bundle_source.h"

namespace refund::server {
namespace {

bool HasCandidateSource(const v1::PolicyBundleSource& source) {
  return source.files_size() > 0 || !source.directory().empty();
}

absl::StatusOr<std::shared_ptr<const CompiledBundle>> ResolveCandidate(
    const v1::ReplayRequest& request, BundleCache& bundles,
    const CandidateRoot& candidate_root) {
  const bool by_version = !request.candidate_version().empty();
  const bool by_source = HasCandidateSource(request.candidate());
  if (by_version == by_source) {
    return absl::InvalidArgumentError(
        "candidate_version, candidate: give exactly one in candidate mode");
  }
  if (by_version) {
    absl::StatusOr<std::shared_ptr<const CompiledBundle>> bundle =
        bundles.Get(request.candidate_version());
    if (absl::IsNotFound(bundle.status())) {
      return absl::InvalidArgumentError(
          absl::StrCat("candidate_version: ", request.candidate_version(),
                       " is not stored in the decision log"));
    }
    return bundle;
  }
  std::vector<PolicyIssue> issues;
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> loaded =
      LoadBundleSource(request.candidate(), "candidate", candidate_root,
                       &issues);
  if (loaded.ok())
    return std::shared_ptr<const CompiledBundle>(*std::move(loaded));
  // A directory that could not be read is refused as it was.
  if (issues.empty()) return loaded.status();
  return absl::InvalidArgumentError(absl::StrCat(
      "candidate: the bundle does not load: ", FormatIssues(issues)));
}

}  // namespace

absl::StatusOr<ReplayOptions> ReplayOptionsFromRequest(
    const v1::ReplayRequest& request, BundleCache& bundles,
    const CandidateRoot& candidate_root) {
  ReplayOptions options;
  if (request.mode() != v1::REPLAY_MODE_EXACT &&
      request.mode() != v1::REPLAY_MODE_CANDIDATE) {
    return absl::InvalidArgumentError(
        "mode: required, REPLAY_MODE_EXACT or REPLAY_MODE_CANDIDATE");
  }
  options.mode = request.mode();
  if (request.limit() < 0) {
    return absl::InvalidArgumentError("limit: must not be negative");
  }
  options.limit = request.limit();
  options.changed_only = request.changed_only();
  if (request.filter().page_size() != 0 ||
      !request.filter().page_token().empty()) {
    return absl::InvalidArgumentError(
        "filter.page_size, filter.page_token: not used by Replay, which "
        "streams every match (use limit)");
  }
  ASSIGN_OR_RETURN(options.filter,
                   ToDecisionFilter(request.filter(), "filter"));
  if (options.mode == v1::REPLAY_MODE_EXACT) {
    if (!request.candidate_version().empty() ||
        HasCandidateSource(request.candidate())) {
      return absl::InvalidArgumentError(
          "candidate_version, candidate: only in REPLAY_MODE_CANDIDATE");
    }
    return options;
  }
  ASSIGN_OR_RETURN(options.candidate,
                   ResolveCandidate(request, bundles, candidate_root));
  return options;
}

}  // namespace refund::server

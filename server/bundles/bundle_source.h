// A policy bundle given on the wire (PolicyBundleSource): inline files, or a
// directory on the server.
#ifndef SERVER_BUNDLES_BUNDLE_SOURCE_H_
#define SERVER_BUNDLES_BUNDLE_SOURCE_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/load/policy_issue.h"
#include "refund/v1/service.pb.h"

namespace refund::server {

// Compiles `source`: its files when there are any, else its directory.
// INVALID_ARGUMENT "<field>: give files or a directory" when both are empty
// (`field` names the source in the request); otherwise as LoadBundle /
// LoadBundleFromDirectory (mistakes appended to `issues`).
absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundleSource(
    const v1::PolicyBundleSource& source, absl::string_view field,
    std::vector<PolicyIssue>* issues);

}  // namespace refund::server

#endif  // SERVER_BUNDLES_BUNDLE_SOURCE_H_

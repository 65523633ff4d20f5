// A policy bundle given on the wire (PolicyBundleSource): inline files, or a
// directory on the server under the candidate root.
#ifndef SERVER_BUNDLES_BUNDLE_SOURCE_H_
#define SERVER_BUNDLES_BUNDLE_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/load/policy_issue.h"
#include "refund/v1/service.pb.h"
#include "server/bundles/candidate_root.h"

namespace refund::server {

// Compiles `source`: its files when there are any, else its directory, read
// through `root` (server/bundles/candidate_root.h); ValidatePolicyBundle
// and Replay both come here. `field` names the source in the request.
// INVALID_ARGUMENT "<field>: give files or a directory" when both are
// empty. A directory that cannot be read is CandidateRoot::Read's error
// (about `<field>.directory`) and adds no issue. A bundle that does not
// load is INVALID_ARGUMENT with its mistakes appended to `issues`; for a
// directory, parse errors there quote none of the file's text
// (LoadOptions::quote_file_text): the server read those files, the client
// did not send them.
absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundleSource(
    const v1::PolicyBundleSource& source, absl::string_view field,
    const CandidateRoot& root, std::vector<PolicyIssue>* issues);

// The same for a shop's layer over `floor` (engine/load/shop_layer_loader.h);
// INVALID_ARGUMENT for a shop id that cannot name a layer.
absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadLayerSource(
    const v1::PolicyBundleSource& source, absl::string_view field,
    const CandidateRoot& root, std::shared_ptr<const CompiledBundle> floor,
    const std::string& shop_id, std::vector<PolicyIssue>* issues);

}  // namespace refund::server

#endif  // SERVER_BUNDLES_BUNDLE_SOURCE_H_

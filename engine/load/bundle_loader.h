// Loads a policy bundle: parse (text-format PolicyBundle files) -> type-check
// every expression against the proto descriptors -> compile. Every mistake is
// reported at once, with file:line:col.
#ifndef ENGINE_LOAD_BUNDLE_LOADER_H_
#define ENGINE_LOAD_BUNDLE_LOADER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/expr/cost_estimate.h"
#include "engine/load/bundle_directory.h"
#include "engine/load/policy_issue.h"

namespace refund {

// How a bundle is loaded. What its expressions may cost
// (engine/expr/cost_estimate.h; the choice of numbers: docs/policy_cost.md):
// every load path (the active bundle, reloads, candidates to validate or
// replay, stored bundles) uses the defaults; tests lower them.
struct LoadOptions {
  // A rule's condition or amount, or settings.urgent_when, whose estimate
  // exceeds this is an issue at its field.
  int64_t max_expression_cost = expr::kDefaultMaxExpressionCost;
  // The estimates of all of them together (argument-less helpers counted
  // once: a decision runs each once); over it, an issue at the costliest.
  int64_t max_bundle_cost = expr::kDefaultMaxBundleCost;
  // Steps one evaluation of one expression may take at run time (a rule's
  // condition, an amount, urgent_when); over it, that evaluation is an
  // evaluation error in the decision.
  int64_t step_budget = expr::kDefaultStepBudget;
  // Whether the issues of a file that is not valid text format may quote
  // it: protobuf's parser names the token it stopped at ("Expected
  // identifier, got: hunter2"). False for files the server read on a
  // client's behalf (a candidate directory), which may not be policy files
  // at all: such issues then keep their file:line:col and say what the
  // grammar expected, but carry no text of the file (`Message type
  // "refund.v1.PolicyBundle" has no field by this name`, `Expected
  // identifier`, or `not valid text format for refund.v1.PolicyBundle`).
  // Issues found after parsing (a file that is valid PolicyBundle text is a
  // policy file) are reported as they are either way.
  bool quote_file_text = true;
};

// Compiles the given files. On any mistake returns INVALID_ARGUMENT (its
// message lists every issue) and, when `issues` is not null, appends the
// issues there too. Thread-safe; the result is immutable.
absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundle(
    const std::vector<BundleSourceFile>& files, const LoadOptions& options,
    std::vector<PolicyIssue>* issues = nullptr);
absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundle(
    const std::vector<BundleSourceFile>& files,
    std::vector<PolicyIssue>* issues = nullptr);

// Reads every `*.textproto` under the operator's `directory` (recursively,
// skipping `tests/` folders, engine/load/bundle_directory.h), sorted by
// path, and compiles them. NOT_FOUND when it is not a directory; the other
// errors of ReadBundleDirectory when it cannot be read.
absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundleFromDirectory(
    const std::string& directory, std::vector<PolicyIssue>* issues = nullptr);

// Recompiles a bundle from its canonical text (as stored in the decision
// log); the result has the same version.
absl::StatusOr<std::unique_ptr<const CompiledBundle>>
LoadBundleFromCanonicalText(const std::string& canonical_text,
                            std::vector<PolicyIssue>* issues = nullptr);

}  // namespace refund

#endif  // ENGINE_LOAD_BUNDLE_LOADER_H_

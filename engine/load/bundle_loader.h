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
#include "engine/load/policy_issue.h"

namespace refund {

// What a bundle's expressions may cost (engine/expr/cost_estimate.h; the
// choice of numbers: docs/policy_cost.md). Every load path (the active
// bundle, reloads, candidates to validate or replay, stored bundles) uses
// the defaults; tests lower them.
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
};

struct BundleSourceFile {
  std::string path;  // relative to the bundle root; used in issues
  std::string content;
};

// Compiles the given files. On any mistake returns INVALID_ARGUMENT (its
// message lists every issue) and, when `issues` is not null, appends the
// issues there too. Thread-safe; the result is immutable.
absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundle(
    const std::vector<BundleSourceFile>& files,
    std::vector<PolicyIssue>* issues = nullptr,
    const LoadOptions& options = LoadOptions());

// Reads every `*.textproto` under `directory` (recursively, skipping the
// `tests/` folder), sorted by path, and compiles them. NOT_FOUND when the
// directory cannot be read.
absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundleFromDirectory(
    const std::string& directory, std::vector<PolicyIssue>* issues = nullptr);

// Reads the bundle files of a directory without compiling them.
absl::StatusOr<std::vector<BundleSourceFile>> ReadBundleDirectory(
    const std::string& directory);

// Recompiles a bundle from its canonical text (as stored in the decision
// log); the result has the same version.
absl::StatusOr<std::unique_ptr<const CompiledBundle>>
LoadBundleFromCanonicalText(const std::string& canonical_text,
                            std::vector<PolicyIssue>* issues = nullptr);

}  // namespace refund

#endif  // ENGINE_LOAD_BUNDLE_LOADER_H_

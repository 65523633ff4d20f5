// Compiled policy bundles by version, for work on stored decisions (replay,
// suggestions in another locale): a version's canonical text is read from the
// decision log and compiled once, then kept while it is among the most
// recently used.
#ifndef SERVER_BUNDLES_BUNDLE_CACHE_H_
#define SERVER_BUNDLES_BUNDLE_CACHE_H_

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/decide/compiled_bundle.h"
#include "server/log/decision_log.h"

namespace refund::server {

// Thread-safe.
class BundleCache {
 public:
  // `log` must outlive the cache. Keeps at most `capacity` bundles (>= 1).
  explicit BundleCache(DecisionLog& log, size_t capacity = 8);
  BundleCache(const BundleCache&) = delete;
  BundleCache& operator=(const BundleCache&) = delete;

  // Offers a bundle that is already compiled (the active one), so that its
  // version is never recompiled from the log.
  void Add(std::shared_ptr<const CompiledBundle> bundle);

  // The bundle of `version`:
  // - NOT_FOUND when the log has no bundle text of that version;
  // - DATA_LOSS when the stored text no longer compiles or no longer hashes
  //   to `version` (the log was altered);
  // - the log's error (UNAVAILABLE) when it cannot be read.
  absl::StatusOr<std::shared_ptr<const CompiledBundle>> Get(
      const std::string& version);

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const CompiledBundle>>;

  // Moves `version` to the front; null when absent.
  std::shared_ptr<const CompiledBundle> Lookup(const std::string& version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Insert(std::shared_ptr<const CompiledBundle> bundle)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  DecisionLog& log_;
  const size_t capacity_;
  absl::Mutex mu_;
  // Most recently used first; a handful of entries, so a list suffices.
  std::list<Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace refund::server

#endif  // SERVER_BUNDLES_BUNDLE_CACHE_H_

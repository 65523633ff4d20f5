// Fills a decision log the way the server does (decide, stamp, append), for
// the audit tests and the replay benchmark.
#ifndef TESTS_TESTING_LOG_BUILDER_H_
#define TESTS_TESTING_LOG_BUILDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/decide/compiled_bundle.h"
#include "refund/v1/refund.pb.h"
#include "server/log/decision_log.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "tests/testing/temp_dir.h"

namespace refund::testing {

// Stores `bundle`'s text (with its decision dictionary when `compressed`,
// as the server does), then decides every request under it and appends
// the decisions (ids `id_prefix` + index, decided_at 2026-06-01 plus
// `index` seconds), all queued at once so that the log batches them; waits
// until every one is stored. Returns the stored decisions in order, or the
// first error.
absl::StatusOr<std::vector<v1::Decision>> DecideAndStoreAll(
    server::DecisionLog& log, const CompiledBundle& bundle,
    const std::vector<v1::RefundRequest>& requests,
    const std::string& id_prefix = "d-", bool compressed = true);

// A decision log file in a temporary directory holding `cases` generated
// requests decided under the engine tests' bundle (tests/testing/
// test_bundle.h). The directory is removed on destruction.
struct StoredLog {
  // `compressed` as in DecideAndStoreAll.
  static absl::StatusOr<std::unique_ptr<StoredLog>> Create(
      int cases, uint64_t seed = 7, bool compressed = true);

  // Declared before `log`, so that the log is closed before the directory
  // goes.
  TempDir dir;
  std::string path = dir.path() + "/decisions.db";
  std::unique_ptr<server::SqliteDecisionLog> log;
  std::shared_ptr<const CompiledBundle> bundle;
  std::vector<v1::RefundRequest> requests;
  std::vector<v1::Decision> decisions;  // seq i + 1 holds decisions[i]
};

}  // namespace refund::testing

#endif  // TESTS_TESTING_LOG_BUILDER_H_

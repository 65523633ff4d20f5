// Replay throughput (issue 4): a decision log of 100,000 generated requests
// decided under the shipped bundle (in-process decide + SqliteDecisionLog,
// as the server stores them), then offline replay from the file, the way
// `refundctl replay --db` runs it.
//   build/tests/bench/replay_bench
// REPLAY_BENCH_DECISIONS changes the log size (default 100000).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/load/bundle_loader.h"
#include "server/audit/decision_replayer.h"
#include "server/bundles/bundle_cache.h"
#include "server/log/log_verifier.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "server/log/sqlite/sqlite_log_snapshot.h"
#include "tests/testing/log_builder.h"
#include "tests/testing/request_generator.h"
#include "tests/testing/temp_dir.h"

namespace refund {
namespace {

int64_t LogSize() {
  int64_t size = 100000;
  const char* env = getenv("REPLAY_BENCH_DECISIONS");
  if (env != nullptr && !absl::SimpleAtoi(env, &size)) size = 100000;
  return size;
}

// Builds the log once per process, in chunks so that memory stays small,
// in a directory removed when the process exits.
const std::string& LogPath() {
  static const testing::TempDir dir;
  static const std::string* path = [] {
    auto* file = new std::string(dir.path() + "/decisions.db");
    auto log = server::SqliteDecisionLog::Open(*file);
    auto bundle = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
    if (!log.ok() || !bundle.ok()) abort();
    testing::RequestGenerator generator(42);
    constexpr int64_t kChunk = 5000;
    for (int64_t done = 0; done < LogSize(); done += kChunk) {
      std::vector<v1::RefundRequest> requests;
      for (int64_t i = done; i < std::min(done + kChunk, LogSize()); ++i) {
        requests.push_back(generator.Next("bench"));
      }
      if (!testing::DecideAndStoreAll(**log, **bundle, requests,
                                      absl::StrCat("c", done, "-"))
               .ok()) {
        abort();
      }
    }
    return file;
  }();
  return *path;
}

// The shipped bundle with its seven-day approval negotiating instead.
std::shared_ptr<const CompiledBundle> Candidate() {
  auto files = ReadBundleDirectory(REFUND_POLICIES_DIR);
  if (!files.ok()) abort();
  for (BundleSourceFile& file : *files) {
    if (file.path.find("01_seven_day") == std::string::npos) continue;
    size_t rule = file.content.find("seven_day.approve_within_window");
    size_t verdict = file.content.find("VERDICT_APPROVE", rule);
    file.content.replace(verdict, strlen("VERDICT_APPROVE"),
                         "VERDICT_NEGOTIATE");
  }
  auto bundle = LoadBundle(*files);
  if (!bundle.ok()) abort();
  return *std::move(bundle);
}

void RunReplayBenchmark(benchmark::State& state, v1::ReplayMode mode) {
  const std::string& path = LogPath();
  std::shared_ptr<const CompiledBundle> candidate;
  if (mode == v1::REPLAY_MODE_CANDIDATE) candidate = Candidate();
  int64_t replayed = 0;
  int64_t changed = 0;
  for (auto _ : state) {
    // As refundctl replay --db: the file opened read-only, bundles compiled
    // from the log, every decision replayed and compared.
    server::SqliteDecisionLogOptions options;
    options.read_only = true;
    auto log = server::SqliteDecisionLog::Open(path, options);
    if (!log.ok()) abort();
    server::BundleCache bundles(**log);
    server::ReplayOptions replay;
    replay.mode = mode;
    replay.candidate = candidate;
    absl::Status status = server::RunReplay(
        **log, bundles, replay, [&](const v1::ReplayResult& result) {
          if (result.has_summary()) {
            replayed += result.summary().total();
            changed = result.summary().changed();
            if (mode == v1::REPLAY_MODE_EXACT &&
                result.summary().integrity_failures() != 0) {
              abort();
            }
          }
        });
    if (!status.ok()) abort();
  }
  state.counters["decisions_per_second"] = benchmark::Counter(
      static_cast<double>(replayed), benchmark::Counter::kIsRate);
  state.counters["decisions"] = static_cast<double>(LogSize());
  state.counters["changed"] = static_cast<double>(changed);
}

void BM_ExactReplayFromFile(benchmark::State& state) {
  RunReplayBenchmark(state, v1::REPLAY_MODE_EXACT);
}
BENCHMARK(BM_ExactReplayFromFile)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

void BM_CandidateReplayFromFile(benchmark::State& state) {
  RunReplayBenchmark(state, v1::REPLAY_MODE_CANDIDATE);
}
BENCHMARK(BM_CandidateReplayFromFile)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

void BM_VerifyLogFile(benchmark::State& state) {
  const std::string& path = LogPath();
  for (auto _ : state) {
    auto snapshot = server::SqliteLogSnapshot::Open(path);
    if (!snapshot.ok()) abort();
    auto report = server::VerifyLog(**snapshot);
    if (!report.ok() || !report->ok) abort();
  }
  state.counters["rows_per_second"] =
      benchmark::Counter(static_cast<double>(LogSize()) * state.iterations(),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VerifyLogFile)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

}  // namespace
}  // namespace refund

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

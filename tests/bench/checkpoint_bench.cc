// Signed checkpoints (server/log/checkpoint/): what one costs the server's
// checkpoint thread, and an auditor (Google Benchmark; never run by ctest):
// formatting and signing a note with Ed25519, checking one (parse and
// verify), replacing the checkpoint file, and the verifier's anchor check on a
// log of 10,000 rows against the walk without it.
//
//   taskset -c 1 build/tests/bench/checkpoint_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "engine/base/sha256.h"
#include "server/log/checkpoint/checkpoint_file.h"
#include "server/log/checkpoint/checkpoint_signer.h"
#include "server/log/checkpoint/log_checkpoint.h"
#include "server/log/log_verifier.h"
#include "server/log/memory/memory_decision_log.h"
#include "tests/testing/log_entry_builder.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_keys.h"

namespace refund::server {
namespace {

const refund::testing::PemKeyPair& Key() {
  static const auto* key =
      new refund::testing::PemKeyPair(refund::testing::NewEd25519KeyPair());
  return *key;
}

LogCheckpoint Example() {
  LogCheckpoint checkpoint;
  checkpoint.origin = "build-01/decisions.db";
  checkpoint.seq = 123456789;
  checkpoint.row_hash = Sha256("row");
  checkpoint.time = absl::Now();
  return checkpoint;
}

void BM_SignCheckpoint(benchmark::State& state) {
  auto signer = CheckpointSigner::FromPem(Key().private_pem, "bench").value();
  const LogCheckpoint checkpoint = Example();
  for (auto _ : state) {
    benchmark::DoNotOptimize(signer->Sign(checkpoint));
  }
}
BENCHMARK(BM_SignCheckpoint);

void BM_VerifyCheckpoint(benchmark::State& state) {
  auto signer = CheckpointSigner::FromPem(Key().private_pem, "bench").value();
  auto public_key = CheckpointPublicKey::FromPem(Key().public_pem).value();
  const std::string note = signer->Sign(Example()).value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(public_key->Verify(note));
  }
}
BENCHMARK(BM_VerifyCheckpoint);

void BM_LoadSigningKey(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        CheckpointSigner::FromPem(Key().private_pem, "bench"));
  }
}
BENCHMARK(BM_LoadSigningKey);

// Replacing the checkpoint file (write, fsync, rename, fsync of the folder)
// in a folder under /tmp.
void BM_WriteCheckpointFile(benchmark::State& state) {
  refund::testing::TempDir dir;
  auto signer = CheckpointSigner::FromPem(Key().private_pem, "bench").value();
  const std::string note = signer->Sign(Example()).value();
  const std::string path = dir.path() + "/checkpoint.note";
  for (auto _ : state) {
    benchmark::DoNotOptimize(WriteCheckpointFile(path, note));
  }
}
BENCHMARK(BM_WriteCheckpointFile)->Unit(benchmark::kMicrosecond);

// A memory log of 10,000 rows.
MemoryDecisionLog& Log() {
  static MemoryDecisionLog* log = [] {
    auto* made = new MemoryDecisionLog();
    const std::string text = "bench bundle";
    (void)made->PutBundle(Sha256Hex(text), "b", text, "");
    for (int i = 1; i <= 10000; ++i) {
      absl::Notification done;
      made->Append(
          refund::testing::MakeTestLogEntry(refund::testing::LogEntrySpec()
                                                .Request(absl::StrCat("r", i))
                                                .Bundle(Sha256Hex(text))),
          [&done](absl::StatusOr<std::string>) { done.Notify(); });
      done.WaitForNotification();
    }
    return made;
  }();
  return *log;
}

// state.range(0): 0 = plain verify, 1 = with one anchor at the last row.
void BM_VerifyLog10k(benchmark::State& state) {
  MemoryDecisionLog& log = Log();
  VerifyOptions options;
  if (state.range(0) == 1) {
    const ChainHead head = log.CommittedHead().value();
    options.anchors.push_back(ChainAnchor{head.last_seq, head.last_hash});
  }
  for (auto _ : state) {
    auto snapshot = log.OpenSnapshot().value();
    benchmark::DoNotOptimize(
        VerifyLog(*snapshot, options, [] { return false; }));
  }
}
BENCHMARK(BM_VerifyLog10k)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace refund::server

BENCHMARK_MAIN();

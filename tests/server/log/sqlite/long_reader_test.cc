// A reader holding an old snapshot of the log (a verify or an export of a
// large log takes seconds) never stalls the writer that commits every
// Decide (issue 20, finding 4): when the WAL is long and the writer starts it
// over (a RESTART checkpoint), it must not wait for the reader.
//
// The writer's busy timeout is set to ten minutes here: a writer that waits
// for the reader waits that long, and the test fails instead of passing by
// a timing margin.
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/log/log_snapshot.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "tests/testing/log_entry_builder.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::LogEntrySpec;
using ::refund::testing::MakeTestLogEntry;

// Appends and waits for the answer, up to `limit` (far more than a commit
// takes; far less than the writer's busy timeout).
std::optional<absl::Status> AppendWithin(DecisionLog& log,
                                         DecisionLogEntry entry,
                                         absl::Duration limit) {
  auto done = std::make_shared<absl::Notification>();
  auto result = std::make_shared<absl::Status>();
  log.Append(std::move(entry),
             [done, result](absl::StatusOr<std::string> outcome) {
               *result = outcome.status();
               done->Notify();
             });
  if (!done->WaitForNotificationWithTimeout(limit)) return std::nullopt;
  return *result;
}

TEST(LongReaderTest, StartingTheWalOverDoesNotWaitForAReader) {
  refund::testing::TempDir dir;
  SqliteDecisionLogOptions options;
  options.busy_timeout_ms = 10 * 60 * 1000;
  options.checkpoint_every = 4;
  options.wal_limit_pages = 32;
  absl::StatusOr<std::unique_ptr<SqliteDecisionLog>> log =
      SqliteDecisionLog::Open(dir.path() + "/decisions.db", options);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE((*log)
                  ->PutBundle(refund::testing::kEntryBundleVersion, "test",
                              "bundle text", "")
                  .ok());
  for (int i = 0; i < 10; ++i) {
    std::optional<absl::Status> appended = AppendWithin(
        **log, MakeTestLogEntry(LogEntrySpec().Request(absl::StrCat("a-", i))),
        absl::Minutes(1));
    ASSERT_TRUE(appended.has_value() && appended->ok());
  }

  // The reader reads one row and keeps its snapshot, as a verify does
  // between two rows.
  absl::StatusOr<std::unique_ptr<LogSnapshot>> reader = (*log)->OpenSnapshot();
  ASSERT_TRUE(reader.ok()) << reader.status();
  absl::StatusOr<std::optional<LogRecord>> first = (*reader)->Next();
  ASSERT_TRUE(first.ok() && first->has_value());

  // Enough for the WAL to pass its limit many times over: the checkpointer
  // asks the writer to start it over, again and again.
  for (int i = 0; i < 200; ++i) {
    std::optional<absl::Status> appended =
        AppendWithin(**log,
                     MakeTestLogEntry(LogEntrySpec()
                                          .Request(absl::StrCat("b-", i))
                                          .Padding(std::string(3000, 'x'))),
                     absl::Minutes(1));
    ASSERT_TRUE(appended.has_value())
        << "append " << i << " waited a minute behind the reader";
    ASSERT_TRUE(appended->ok()) << *appended;
  }
  reader->reset();
  (*log)->Close();
}

}  // namespace
}  // namespace refund::server

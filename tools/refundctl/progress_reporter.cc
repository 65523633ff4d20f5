#include "tools/refundctl/progress_reporter.h"

#include <unistd.h>

#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace refund {
namespace {

constexpr absl::Duration kRedrawInterval = absl::Milliseconds(250);

// "1.5s", "2m05s", "1h02m".
std::string ShortDuration(absl::Duration duration) {
  const int64_t seconds = absl::ToInt64Seconds(duration);
  if (seconds < 60) {
    return absl::StrFormat("%.1fs", absl::ToDoubleSeconds(duration));
  }
  if (seconds < 3600) {
    return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  }
  return absl::StrFormat("%dh%02dm", seconds / 3600, seconds % 3600 / 60);
}

double Rate(int64_t done, absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? done / seconds : 0;
}

}  // namespace

ProgressReporter::ProgressReporter(std::string label, std::string unit,
                                   std::ostream& err)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      err_(err),
      enabled_(&err == &std::cerr && isatty(STDERR_FILENO) == 1),
      start_(absl::Now()) {}

ProgressReporter::~ProgressReporter() {
  if (enabled_ && drawn_ && !finished_) err_ << "\n" << std::flush;
}

void ProgressReporter::Update(int64_t done) {
  done_ = done;
  if (!enabled_) return;
  const absl::Time now = absl::Now();
  if (now - last_draw_ < kRedrawInterval) return;
  Draw(now);
}

void ProgressReporter::Draw(absl::Time now) {
  last_draw_ = now;
  drawn_ = true;
  const absl::Duration elapsed = now - start_;
  const double rate = Rate(done_, elapsed);
  std::string line = absl::StrCat("\r", label_, ": ", done_);
  if (total_ > 0) {
    absl::StrAppend(&line, " of ", total_, " ", unit_,
                    absl::StrFormat(" (%d%%)", done_ * 100 / total_));
  } else {
    absl::StrAppend(&line, " ", unit_);
  }
  absl::StrAppend(&line, absl::StrFormat(", %.0f/s", rate));
  if (total_ > 0 && rate > 0 && done_ < total_) {
    absl::StrAppend(&line, ", ",
                    ShortDuration(absl::Seconds((total_ - done_) / rate)),
                    " left");
  }
  // Erase what a longer line drew before.
  absl::StrAppend(&line, "\x1b[K");
  err_ << line << std::flush;
}

void ProgressReporter::Finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  const absl::Duration elapsed = absl::Now() - start_;
  err_ << "\r" << label_ << ": " << done_ << " " << unit_ << " in "
       << ShortDuration(elapsed)
       << absl::StrFormat(" (%.0f/s)", Rate(done_, elapsed)) << "\x1b[K\n"
       << std::flush;
}

}  // namespace refund

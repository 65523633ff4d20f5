// Progress of a long refundctl run (replay, verify, export, migrate) on
// standard error, for a person watching a terminal: rows done, the rate, and
// the time left when the total is known, redrawn in place ("\r") at most
// about four times a second, then a summary line. Nothing at all when
// standard error is not a terminal (a pipe, a file, a test's stream), so
// that scripts and logs see only the command's own output.
#ifndef TOOLS_REFUNDCTL_PROGRESS_REPORTER_H_
#define TOOLS_REFUNDCTL_PROGRESS_REPORTER_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/time/time.h"

namespace refund {

class ProgressReporter {
 public:
  // Draws on `err` only when it is this process's std::cerr and standard
  // error is a terminal. `label` starts every line ("replay"); `unit` names
  // what is counted ("decisions").
  ProgressReporter(std::string label, std::string unit, std::ostream& err);
  // Ends the line when Finish was not called (a run that stopped early).
  ~ProgressReporter();

  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // Whether it draws anything.
  bool enabled() const { return enabled_; }

  // How many rows the whole run has; 0 (the default) when not known.
  void SetTotal(int64_t total) { total_ = total; }

  // `rows` more are done; redraws when the last draw is 250 ms old (the
  // first at once).
  void Advance(int64_t rows = 1) { Update(done_ + rows); }
  // `done` rows are done in all.
  void Update(int64_t done);

  // Replaces the progress line by the summary: "label: N unit in T (R/s)".
  void Finish();

 private:
  void Draw(absl::Time now);

  const std::string label_;
  const std::string unit_;
  std::ostream& err_;
  const bool enabled_;
  const absl::Time start_;
  absl::Time last_draw_ = absl::InfinitePast();
  int64_t total_ = 0;
  int64_t done_ = 0;
  bool drawn_ = false;
  bool finished_ = false;
};

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_PROGRESS_REPORTER_H_

// The files of checkpoints: reading a note or a key (small, bounded), and
// writing the latest checkpoint so that a reader of the file sees either the
// old note or the new one, whole, even across a crash or a power loss.
#ifndef SERVER_LOG_CHECKPOINT_CHECKPOINT_FILE_H_
#define SERVER_LOG_CHECKPOINT_CHECKPOINT_FILE_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace refund::server {

// Notes and keys are a few hundred bytes.
inline constexpr size_t kMaxCheckpointFileBytes = 64 * 1024;

// The whole text of `path`. NOT_FOUND, PERMISSION_DENIED or UNAVAILABLE
// (other errors) naming the path; INVALID_ARGUMENT when it is not a regular
// file or is larger than kMaxCheckpointFileBytes.
absl::StatusOr<std::string> ReadCheckpointFile(const std::string& path);

// Replaces `path` with `text` atomically: writes `path`.tmp (mode 0644: a
// note is public), fsyncs it, renames it over `path`, fsyncs the folder.
// UNAVAILABLE naming the step that failed (the temporary file is removed).
// Not safe for two writers of the same path at once.
absl::Status WriteCheckpointFile(const std::string& path,
                                 absl::string_view text);

}  // namespace refund::server

#endif  // SERVER_LOG_CHECKPOINT_CHECKPOINT_FILE_H_

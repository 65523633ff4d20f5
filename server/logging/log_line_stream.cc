#include "server/logging/log_line_stream.h"

#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace refund::server {

LogLineStream::LogLineStream(ServerLogger& logger, LogLevel level)
    : std::ostream(nullptr), buffer_(logger, level) {
  rdbuf(&buffer_);
}

LogLineStream::~LogLineStream() { buffer_.LogPending(); }

void LogLineStream::LineBuffer::LogPending() {
  if (pending_.empty()) return;
  absl::string_view message = pending_;
  absl::ConsumePrefix(&message, "refund-server: ");
  logger_.Log(level_, "server", {{"message", message}});
  pending_.clear();
}

LogLineStream::LineBuffer::int_type LogLineStream::LineBuffer::overflow(
    int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return 0;
  if (traits_type::to_char_type(c) == '\n') {
    LogPending();
  } else {
    pending_.push_back(traits_type::to_char_type(c));
  }
  return c;
}

std::streamsize LogLineStream::LineBuffer::xsputn(const char* s,
                                                  std::streamsize n) {
  for (std::streamsize i = 0; i < n; ++i)
    overflow(traits_type::to_int_type(s[i]));
  return n;
}

}  // namespace refund::server

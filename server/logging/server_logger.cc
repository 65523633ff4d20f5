#include "server/logging/server_logger.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "spdlog/async.h"
#include "spdlog/async_logger.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/spdlog.h"

namespace refund::server {
namespace {

// Lines waiting for the writing thread at most; beyond, the oldest go.
constexpr size_t kQueuedLines = 8192;

// Bytes of lines gathered before one write(2).
constexpr size_t kWriteBytes = 64 * 1024;

// Lines gathered on the writing thread and written to a descriptor in
// large writes: when 64 KiB are waiting, at every flush (spdlog's flush
// every second, and after each warning or error), and at the end. A line
// per call written alone cost a system call per call.
class BufferedFdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Takes `fd` over when `owned` (closed at the end).
  BufferedFdSink(int fd, bool owned) : fd_(fd), owned_(owned) {
    buffer_.reserve(kWriteBytes * 2);
  }
  ~BufferedFdSink() override {
    std::lock_guard<std::mutex> lock(mutex_);
    WriteOut();
    if (owned_) close(fd_);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    buffer_.append(formatted.data(), formatted.size());
    if (buffer_.size() >= kWriteBytes) WriteOut();
  }
  void flush_() override { WriteOut(); }

 private:
  // A line that cannot be written (a full disk, a closed pipe) is dropped:
  // the log must never stop the server.
  void WriteOut() {
    size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n =
          write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
  }

  const int fd_;
  const bool owned_;
  std::string buffer_;
};

spdlog::level::level_enum SpdlogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::off;
}

// A JSON string: quotes, backslashes and control characters escaped; other
// bytes as they are (the server's strings are UTF-8).
void AppendJsonString(absl::string_view text, std::string& out) {
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<int>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text) {
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  if (text == "off") return LogLevel::kOff;
  return absl::InvalidArgumentError(
      absl::StrCat("--log_level: \"", absl::CHexEscape(text),
                   "\" is not one of info, warn, error, off"));
}

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("--log_format: \"", absl::CHexEscape(text),
                   "\" is not one of text, json"));
}

void LogField::AppendTo(LogFormat format, std::string& line) const {
  if (format == LogFormat::kJson) {
    line.push_back(',');
    AppendJsonString(key_, line);
    line.push_back(':');
  } else {
    absl::StrAppend(&line, " ", key_, "=");
  }
  switch (kind_) {
    case Kind::kString:
      if (format == LogFormat::kJson) {
        AppendJsonString(text_, line);
      } else {
        // Escaped, so that a client-chosen id cannot forge a line.
        absl::StrAppend(&line, "\"", absl::CHexEscape(text_), "\"");
      }
      break;
    case Kind::kInteger:
      absl::StrAppend(&line, integer_);
      break;
    case Kind::kNumber:
      absl::StrAppendFormat(&line, "%.3f", number_);
      break;
  }
}

absl::StatusOr<std::unique_ptr<ServerLogger>> ServerLogger::Create(
    const LoggerOptions& options) {
  std::unique_ptr<ServerLogger> logger(new ServerLogger(options));
  spdlog::sink_ptr sink;
  if (options.file.empty()) {
    sink = std::make_shared<BufferedFdSink>(STDERR_FILENO, false);
  } else {
    const int fd = open(options.file.c_str(),
                        O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--log_file: cannot open ", options.file, ": ", strerror(errno)));
    }
    sink = std::make_shared<BufferedFdSink>(fd, true);
  }
  const char* pattern =
      options.format == LogFormat::kJson
          ? R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})"
          : "%Y-%m-%dT%H:%M:%S.%eZ %l %v";
  sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      pattern, spdlog::pattern_time_type::utc));
  logger->pool_ = std::make_shared<spdlog::details::thread_pool>(
      kQueuedLines, 1, [] { pthread_setname_np(pthread_self(), "log-lines"); });
  logger->logger_ = std::make_shared<spdlog::async_logger>(
      "refund-server", std::move(sink), logger->pool_,
      spdlog::async_overflow_policy::overrun_oldest);
  logger->logger_->set_level(SpdlogLevel(options.level));
  // Warnings and errors are written at once; other lines within a second
  // (spdlog's periodic flush of registered loggers).
  logger->logger_->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger->logger_);
  spdlog::flush_every(std::chrono::seconds(1));
  return logger;
}

ServerLogger::~ServerLogger() {
  spdlog::drop(logger_->name());
  logger_->flush();
  // The pool's thread writes everything queued before it stops.
  logger_.reset();
  pool_.reset();
}

void ServerLogger::Flush() { logger_->flush(); }

void ServerLogger::Log(LogLevel level, absl::string_view event,
                       std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(256);
  if (options_.format == LogFormat::kJson) {
    line.append("\"event\":");
    AppendJsonString(event, line);
  } else {
    line.append(event.data(), event.size());
  }
  for (const LogField& field : fields) field.AppendTo(options_.format, line);
  logger_->log(SpdlogLevel(level), spdlog::string_view_t(line));
}

}  // namespace refund::server

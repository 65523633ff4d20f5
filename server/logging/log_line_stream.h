// The server's messages that are written to a std::ostream (health changes,
// signals, checkpoints) as log lines: each line written to a LogLineStream
// becomes one logger line, event "server", its text in `message` (without
// a leading "refund-server: "), with the time and level every line has.
#ifndef SERVER_LOGGING_LOG_LINE_STREAM_H_
#define SERVER_LOGGING_LOG_LINE_STREAM_H_

#include <ostream>
#include <streambuf>
#include <string>

#include "server/logging/server_logger.h"

namespace refund::server {

// One writer at a time (give each thread its own); a line is logged when
// its '\n' is written. Text left without one is logged on destruction.
class LogLineStream : public std::ostream {
 public:
  LogLineStream(ServerLogger& logger, LogLevel level);
  ~LogLineStream() override;
  LogLineStream(const LogLineStream&) = delete;
  LogLineStream& operator=(const LogLineStream&) = delete;

 private:
  class LineBuffer : public std::streambuf {
   public:
    LineBuffer(ServerLogger& logger, LogLevel level)
        : logger_(logger), level_(level) {}
    // Logs what is pending, if anything.
    void LogPending();

   protected:
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char* s, std::streamsize n) override;

   private:
    ServerLogger& logger_;
    const LogLevel level_;
    std::string pending_;
  };

  LineBuffer buffer_;
};

}  // namespace refund::server

#endif  // SERVER_LOGGING_LOG_LINE_STREAM_H_

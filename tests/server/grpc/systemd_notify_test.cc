// NotifySystemd and the server's notifications, received on a real Unix
// datagram socket standing in for systemd's.
#include "server/grpc/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

// A datagram socket bound to `name` (a path, or "@abstract"), with
// $NOTIFY_SOCKET naming it while it lives.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& name) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address;
    std::memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    if (name[0] == '@') address.sun_path[0] = '\0';
    const socklen_t size =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    bound_ =
        fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&address), size) == 0;
    setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~NotifySocket() {
    unsetenv("NOTIFY_SOCKET");
    if (fd_ >= 0) close(fd_);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool bound() const { return bound_; }

  // The next datagram, or "" when none is waiting.
  std::string Receive() const {
    char buffer[4096];
    const ssize_t got = recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
    return got < 0 ? "" : std::string(buffer, static_cast<size_t>(got));
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

TEST(SystemdNotifyTest, SendsAssignmentsToThePathSocket) {
  refund::testing::TempDir dir;
  NotifySocket systemd(dir.path() + "/notify");
  ASSERT_TRUE(systemd.bound());
  ASSERT_TRUE(NotifySystemd("READY=1").ok());
  EXPECT_EQ(systemd.Receive(), "READY=1");
  EXPECT_EQ(systemd.Receive(), "");  // one datagram per notification
}

TEST(SystemdNotifyTest, SendsToAnAbstractSocket) {
  const std::string name =
      "@refund-notify-test-" + std::to_string(static_cast<long>(getpid()));
  NotifySocket systemd(name);
  ASSERT_TRUE(systemd.bound());
  ASSERT_TRUE(NotifyStopping().ok());
  EXPECT_EQ(systemd.Receive(), "STOPPING=1");
}

TEST(SystemdNotifyTest, ReadyCarriesAOneLineStatus) {
  refund::testing::TempDir dir;
  NotifySocket systemd(dir.path() + "/notify");
  ASSERT_TRUE(systemd.bound());
  ASSERT_TRUE(NotifyReady("serving 127.0.0.1:1\nREADY=0").ok());
  EXPECT_EQ(systemd.Receive(), "READY=1\nSTATUS=serving 127.0.0.1:1 READY=0");
}

TEST(SystemdNotifyTest, ReloadingCarriesTheMonotonicTime) {
  refund::testing::TempDir dir;
  NotifySocket systemd(dir.path() + "/notify");
  ASSERT_TRUE(systemd.bound());
  ASSERT_TRUE(NotifyReloading().ok());
  EXPECT_THAT(systemd.Receive(),
              MatchesRegex("RELOADING=1\nMONOTONIC_USEC=[1-9][0-9]*"));
}

TEST(SystemdNotifyTest, WithoutNotifySocketNothingIsSentAndItIsOk) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(NotifySystemd("READY=1").ok());
  EXPECT_TRUE(NotifyReady("serving").ok());
}

TEST(SystemdNotifyTest, RefusesARelativeName) {
  setenv("NOTIFY_SOCKET", "run/notify", 1);
  EXPECT_THAT(NotifySystemd("READY=1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("neither an absolute path")));
  unsetenv("NOTIFY_SOCKET");
}

TEST(SystemdNotifyTest, NoSocketListeningIsUnavailable) {
  refund::testing::TempDir dir;
  setenv("NOTIFY_SOCKET", (dir.path() + "/nobody").c_str(), 1);
  EXPECT_THAT(NotifySystemd("READY=1"),
              StatusIs(absl::StatusCode::kUnavailable, StartsWith("NOTIFY")));
  unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace refund::server

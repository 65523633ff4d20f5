// End-to-end: refund-server under a Type=notify unit. A Unix datagram socket
// named by $NOTIFY_SOCKET stands in for systemd's: the server says READY=1
// once it listens, RELOADING=1 then READY=1 around a SIGHUP reload (refused
// or not), and STOPPING=1 when its shutdown starts; a socket nobody listens
// on does not stop it from serving.
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/small_bundle.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"

namespace refund::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

// systemd's side: a datagram socket at `path`, named by $NOTIFY_SOCKET for
// the servers started while it lives.
class FakeSystemd {
 public:
  explicit FakeSystemd(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address;
    std::memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    // A deadline for a message that never comes, not a measure of speed.
    timeval wait = {60, 0};
    bound_ =
        fd_ >= 0 &&
        bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) == 0;
    setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~FakeSystemd() {
    unsetenv("NOTIFY_SOCKET");
    if (fd_ >= 0) close(fd_);
  }
  FakeSystemd(const FakeSystemd&) = delete;
  FakeSystemd& operator=(const FakeSystemd&) = delete;

  bool bound() const { return bound_; }

  // The next notification; "" when none came within a minute.
  std::string Receive() const {
    char buffer[4096];
    const ssize_t got = recv(fd_, buffer, sizeof buffer, 0);
    return got < 0 ? "" : std::string(buffer, static_cast<size_t>(got));
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

class ServerUnderSystemdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("policies/bundle.textproto", kBundleFile);
    dir_.Write("policies/rules/rules.textproto", kRulesFile);
  }
  absl::StatusOr<std::unique_ptr<ServerProcess>> Start() {
    return StartRefundServer(dir_.path() + "/policies",
                             dir_.path() + "/data/decisions.db");
  }

  refund::testing::TempDir dir_;
};

TEST_F(ServerUnderSystemdTest, ReadyReloadingReadyStopping) {
  FakeSystemd systemd(dir_.path() + "/notify");
  ASSERT_TRUE(systemd.bound());
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = Start();
  ASSERT_TRUE(server.ok()) << server.status();

  const std::string ready = systemd.Receive();
  EXPECT_THAT(ready, StartsWith("READY=1\nSTATUS=serving "));
  EXPECT_THAT(ready, HasSubstr((*server)->address()));
  EXPECT_THAT(ready, HasSubstr("version=" + (*server)->version()));

  ASSERT_TRUE((*server)->Signal(SIGHUP).ok());
  EXPECT_THAT(systemd.Receive(),
              MatchesRegex("RELOADING=1\nMONOTONIC_USEC=[1-9][0-9]*"));
  EXPECT_EQ(systemd.Receive(),
            "READY=1\nSTATUS=reloaded version=" + (*server)->version());

  absl::StatusOr<int> exit_code = (*server)->Stop();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  EXPECT_EQ(systemd.Receive(), "STOPPING=1");
}

TEST_F(ServerUnderSystemdTest, ARefusedReloadIsReadyWithTheLastGoodBundle) {
  FakeSystemd systemd(dir_.path() + "/notify");
  ASSERT_TRUE(systemd.bound());
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = Start();
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_THAT(systemd.Receive(), StartsWith("READY=1\n"));

  dir_.Write("policies/rules/broken.textproto", kBrokenRulesFile);
  ASSERT_TRUE((*server)->Signal(SIGHUP).ok());
  EXPECT_THAT(systemd.Receive(), StartsWith("RELOADING=1\n"));
  EXPECT_EQ(systemd.Receive(),
            "READY=1\nSTATUS=reload refused, the last good bundle serves");

  absl::StatusOr<int> exit_code = (*server)->Stop();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

TEST_F(ServerUnderSystemdTest, ServesWhenNobodyListensOnTheNotifySocket) {
  setenv("NOTIFY_SOCKET", (dir_.path() + "/nobody").c_str(), 1);
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = Start();
  unsetenv("NOTIFY_SOCKET");
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<int> health = CheckHealth((*server)->channel());
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, 1);  // SERVING
  absl::StatusOr<int> exit_code = (*server)->Stop();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

}  // namespace
}  // namespace refund::e2e

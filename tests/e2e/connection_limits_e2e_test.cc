// Hostile connections (issue 20, finding 3): sockets that never speak,
// connections that stay idle, and running out of file descriptors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"

namespace refund::e2e {
namespace {

// A TCP socket connected to "127.0.0.1:PORT"; -1 on failure.
int ConnectRaw(const std::string& address) {
  const std::string port = address.substr(address.rfind(':') + 1);
  int port_number = 0;
  if (!absl::SimpleAtoi(port, &port_number)) return -1;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port_number));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Whether the peer closes `fd` (EOF or reset) within `limit`.
bool ClosedByPeerWithin(int fd, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd poll_fd{fd, POLLIN, 0};
    const int ready =
        poll(&poll_fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)));
    if (ready <= 0) continue;
    char buffer[256];
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) return true;  // EOF, or ECONNRESET
    // The server's HTTP/2 preface (SETTINGS): read on.
  }
}

int OpenDescriptors(pid_t pid) {
  int count = 0;
  std::error_code error;
  for (std::filesystem::directory_iterator
           it("/proc/" + std::to_string(pid) + "/fd", error),
       end;
       !error && it != end; it.increment(error)) {
    ++count;
  }
  return count;
}

// "Max open files  SOFT  HARD  files" from /proc/PID/limits.
std::vector<std::string> DescriptorLimits(pid_t pid) {
  std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) == 0) {
      std::vector<std::string> words =
          absl::StrSplit(line.substr(14), ' ', absl::SkipEmpty());
      return words;
    }
  }
  return {};
}

// A channel of its own (not shared with the fixture's connection).
std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   arguments);
}

class SilentSocketTest : public SmallBundleTest {
 protected:
  ServerProcessOptions Options() const override {
    ServerProcessOptions options;
    options.extra_args = {"--handshake_timeout=1s"};
    return options;
  }
};

TEST_F(SilentSocketTest, ASocketThatNeverSpeaksIsClosed) {
  const int fd = ConnectRaw(server_->address());
  ASSERT_GE(fd, 0);
  // gRPC's default handshake timeout is 120 s.
  EXPECT_TRUE(ClosedByPeerWithin(fd, absl::Seconds(30)));
  close(fd);
}

class IdleConnectionTest : public SmallBundleTest {
 protected:
  ServerProcessOptions Options() const override {
    ServerProcessOptions options;
    options.extra_args = {"--max_connection_idle=1s"};
    return options;
  }
};

TEST_F(IdleConnectionTest, AConnectionWithoutCallsIsClosed) {
  std::shared_ptr<grpc::Channel> channel = NewChannel(server_->address());
  auto stub = v1::RefundDecisionService::NewStub(channel);
  grpc::ClientContext context;
  v1::PolicyBundleInfo info;
  ASSERT_TRUE(
      stub->GetPolicyBundle(&context, v1::GetPolicyBundleRequest(), &info)
          .ok());
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  // The server's GOAWAY takes the channel out of READY; without an idle
  // limit it stays READY for good.
  EXPECT_TRUE(channel->WaitForStateChange(
      GRPC_CHANNEL_READY,
      std::chrono::system_clock::now() + std::chrono::seconds(30)));
  EXPECT_NE(channel->GetState(false), GRPC_CHANNEL_READY);
}

class DescriptorLimitTest : public SmallBundleTest {
 protected:
  ServerProcessOptions Options() const override {
    ServerProcessOptions options;
    options.soft_descriptor_limit = 256;
    options.descriptor_limit = 4096;
    return options;
  }
};

TEST_F(DescriptorLimitTest, SoftLimitIsRaisedToTheHardLimit) {
  EXPECT_EQ(DescriptorLimits(server_->pid()),
            (std::vector<std::string>{"4096", "4096", "files"}));
}

constexpr int kLowDescriptorLimit = 64;

class DescriptorExhaustionTest : public SmallBundleTest {
 protected:
  ServerProcessOptions Options() const override {
    ServerProcessOptions options;
    options.descriptor_limit = kLowDescriptorLimit;
    return options;
  }
};

// gRPC 1.51's listener stops for good after accept4 fails with EMFILE
// (server/grpc/listener_failure.h). Whatever gRPC does, health must not say
// SERVING while new connections go unanswered: either new connections are
// served again once descriptors are free, or health (asked on a connection
// opened before) reports NOT_SERVING so that a supervisor restarts the
// server.
TEST_F(DescriptorExhaustionTest, HealthDoesNotClaimServingWhenTheListenerDied) {
  std::shared_ptr<grpc::Channel> before = NewChannel(server_->address());
  absl::StatusOr<int> health = CheckHealth(before);
  ASSERT_TRUE(health.ok()) << health.status();
  ASSERT_EQ(*health, 1);

  std::vector<int> sockets;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (OpenDescriptors(server_->pid()) < kLowDescriptorLimit &&
         absl::Now() < give_up) {
    for (int i = 0; i < 8; ++i) {
      const int fd = ConnectRaw(server_->address());
      if (fd >= 0) sockets.push_back(fd);
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_GE(OpenDescriptors(server_->pid()), kLowDescriptorLimit)
      << "the server never ran out of descriptors";
  // More connections than it can take: accept4 fails with EMFILE.
  for (int i = 0; i < 16; ++i) {
    const int fd = ConnectRaw(server_->address());
    if (fd >= 0) sockets.push_back(fd);
  }
  absl::SleepFor(absl::Milliseconds(500));
  for (int fd : sockets) close(fd);

  bool new_connection_served = false;
  int last_health = -1;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    absl::StatusOr<int> now = CheckHealth(before);
    ASSERT_TRUE(now.ok()) << now.status();
    last_health = *now;
    if (last_health != 1) break;  // NOT_SERVING: reported
    std::shared_ptr<grpc::Channel> fresh = NewChannel(server_->address());
    auto stub = v1::RefundDecisionService::NewStub(fresh);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(2));
    v1::PolicyBundleInfo info;
    if (stub->GetPolicyBundle(&context, v1::GetPolicyBundleRequest(), &info)
            .ok()) {
      new_connection_served = true;
      break;
    }
  }
  EXPECT_TRUE(new_connection_served || last_health != 1)
      << "health says SERVING but no new connection is served";
}

}  // namespace
}  // namespace refund::e2e

#include "tools/refundctl/checkpoint_command.h"

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/log/checkpoint/checkpoint_signer.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/server_client.h"

namespace refund {

int RunCheckpointCommand(const Args& args, std::ostream& out,
                         std::ostream& err) {
  const std::string server = Flag(args, "server", "");
  if (server.empty() || !args.positional.empty()) {
    err << "checkpoint: give --server=HOST:PORT (and nothing else)\n";
    return 2;
  }
  const std::string format = Flag(args, "format", "note");
  if (format != "note" && format != "json") {
    err << "--format: \"" << format << "\" is not one of note, json\n";
    return 2;
  }
  const std::string public_key_path =
      Flag(args, "public-key", Flag(args, "public_key", ""));
  std::unique_ptr<server::CheckpointPublicKey> public_key;
  if (!public_key_path.empty()) {
    absl::StatusOr<std::unique_ptr<server::CheckpointPublicKey>> loaded =
        server::CheckpointPublicKey::FromPemFile(public_key_path);
    if (!loaded.ok()) {
      err << "checkpoint: --public-key: " << loaded.status().message() << "\n";
      return 1;
    }
    public_key = *std::move(loaded);
  }

  absl::StatusOr<ServerStub> connected = ConnectToServer(args);
  if (!connected.ok()) {
    err << "checkpoint: " << connected.status().message() << "\n";
    return 1;
  }
  grpc::ClientContext context;
  connected->connection.PrepareCall(&context);
  v1::LogCheckpoint checkpoint;
  grpc::Status status = connected->stub->GetCheckpoint(
      &context, v1::GetCheckpointRequest(), &checkpoint);
  if (!status.ok()) {
    err << "checkpoint: " << DescribeRpcError("GetCheckpoint", status) << "\n";
    return 1;
  }
  if (public_key != nullptr) {
    absl::StatusOr<server::SignedCheckpoint> verified =
        public_key->Verify(checkpoint.note());
    if (!verified.ok()) {
      err << "checkpoint: " << verified.status().message() << "\n";
      return 1;
    }
  }
  if (format == "json") {
    out << ToJson(checkpoint);
  } else {
    out << checkpoint.note();
  }
  return 0;
}

}  // namespace refund

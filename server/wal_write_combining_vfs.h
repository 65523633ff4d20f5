// A SQLite VFS that turns the many small writes of a WAL commit into a few
// large ones.
//
// SQLite writes each WAL frame with two pwrite calls (its 24-byte header,
// then the page) and syncs the file at the commit; a batch of a few hundred
// decisions is a thousand system calls, on a VM each costing more than the
// copy it does. This VFS wraps the default one and, for WAL files only,
// gathers writes that continue one another in a buffer (64 KiB), handing them
// down in one write when a write does not continue the buffer, when it is
// full, and before anything else touches the file (read, sync, truncate,
// size, file control, close). Everything else is the default VFS's, so
// connections through it and through the default VFS share locks and the
// wal-index as usual.
//
// Safe only for a connection that syncs the WAL at every commit
// (synchronous=FULL in WAL mode, as the decision log's writer runs): SQLite
// publishes a commit's frames to other connections only after that sync, so
// no other connection can read a frame still in the buffer. A write that
// fails when the buffer is handed down is reported by the call that handed
// it down (usually the commit's sync), which fails the transaction.
#ifndef SERVER_WAL_WRITE_COMBINING_VFS_H_
#define SERVER_WAL_WRITE_COMBINING_VFS_H_

#include <cstdint>

namespace refund::server {

// Registers the VFS (once, process-wide, not as the default) and returns its
// name for sqlite3_open_v2; nullptr if it could not be registered (then the
// default VFS serves, unbuffered).
const char* WalWriteCombiningVfs();

// Writes handed down to the default VFS for WAL files opened through this
// VFS, since the process started (for tests and benchmarks).
int64_t WalWritesHandedDown();

}  // namespace refund::server

#endif  // SERVER_WAL_WRITE_COMBINING_VFS_H_

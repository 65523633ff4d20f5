// A SQLite VFS that turns the many small writes of a WAL commit into a few
// large ones.
//
// SQLite writes each WAL frame with two pwrite calls (its 24-byte header,
// then the page); a batch of a few hundred decisions is a thousand system
// calls, on a VM each costing more than the copy it does. This VFS wraps the
// default one and, for WAL files, gathers writes that continue one another
// in a buffer (64 KiB), handing them down in one write when a write does not
// continue the buffer, when it is full, and before anything else touches the
// file (read, sync, truncate, size, file control, memory map, close).
// Everything else is the default VFS's, so connections through it and
// through the default VFS share locks and the wal-index as usual.
//
// Safe for a connection in WAL mode that syncs at every commit
// (synchronous=FULL), as the decision log's writer does: SQLite lets other
// connections see a commit's frames only after that sync, so no connection
// can read bytes still in a buffer; and a write that fails when the buffer
// is handed down is reported by the call that handed it down (the sync, at
// the latest), which fails the commit.
//
// The database file's writes (a checkpoint's copies) are not gathered: the
// last of them would be handed down by the SQLITE_FCNTL_CKPT_DONE file
// control, whose result SQLite ignores, and a checkpoint records its
// progress (nBackfill) without syncing the database file unless it copied
// the whole WAL. A failed hand-down there went unseen: readers then read
// pages the file never got ("database disk image is malformed"), and once
// the WAL restarted the committed rows were gone
// (tests/server/log/sqlite/fault_injection_test.cc, MainDbWrite*).
#ifndef SERVER_LOG_SQLITE_WAL_WRITE_COMBINING_VFS_H_
#define SERVER_LOG_SQLITE_WAL_WRITE_COMBINING_VFS_H_

#include <cstdint>

namespace refund::server {

// Registers the VFS (once, process-wide, not as the default) and returns its
// name for sqlite3_open_v2; nullptr if it could not be registered (then the
// default VFS serves, unbuffered).
const char* WalWriteCombiningVfs();

// Writes handed down to the default VFS for the files this VFS gathers
// writes for (WAL files), since the process started (for tests and
// benchmarks).
int64_t WalWritesHandedDown();

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_WAL_WRITE_COMBINING_VFS_H_

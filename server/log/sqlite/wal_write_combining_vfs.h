// A SQLite VFS that turns the many small writes of a WAL commit or a
// checkpoint into a few large ones.
//
// SQLite writes each WAL frame with two pwrite calls (its 24-byte header,
// then the page), and a checkpoint copies each page to the database file
// with one; a batch of a few hundred decisions is a thousand system calls,
// on a VM each costing more than the copy it does. This VFS wraps the
// default one and, for WAL and main database files, gathers writes that
// continue one another in a buffer (64 KiB), handing them down in one write
// when a write does not continue the buffer, when it is full, and before
// anything else touches the file (read, sync, truncate, size, file control,
// memory map, close). Everything else is the default VFS's, so connections
// through it and through the default VFS share locks and the wal-index as
// usual.
//
// Safe for a connection in WAL mode that syncs at every commit
// (synchronous=FULL) and at every checkpoint (NORMAL or FULL), as the
// decision log's writer and checkpointer do: SQLite lets other connections
// see a commit's frames, or read a checkpointed page from the database file,
// only after that sync, so no connection can read bytes still in a buffer.
// A write that fails when the buffer is handed down is reported by the call
// that handed it down (usually the sync), which fails the commit or the
// checkpoint.
#ifndef SERVER_LOG_SQLITE_WAL_WRITE_COMBINING_VFS_H_
#define SERVER_LOG_SQLITE_WAL_WRITE_COMBINING_VFS_H_

#include <cstdint>

namespace refund::server {

// Registers the VFS (once, process-wide, not as the default) and returns its
// name for sqlite3_open_v2; nullptr if it could not be registered (then the
// default VFS serves, unbuffered).
const char* WalWriteCombiningVfs();

// Writes handed down to the default VFS for the files this VFS gathers
// writes for, since the process started (for tests and benchmarks).
int64_t WalWritesHandedDown();

}  // namespace refund::server

#endif  // SERVER_LOG_SQLITE_WAL_WRITE_COMBINING_VFS_H_

#ifndef CBATCHIO_H
#define CBATCHIO_H

// Batched datagram I/O (recvmmsg/sendmmsg). Those and struct mmsghdr are GNU extensions that
// Swift's Glibc module does not show, so the batches are put together here, and the interface
// uses plain buffers only.
#include <stddef.h>

/// Receives up to `count` (at most 64) datagrams: datagram i into the `slot_size` bytes at
/// `buffers + i * slot_size`, its sender into the `name_size` bytes at `names + i * name_size`.
/// Blocks for the first (up to the socket's receive timeout), then takes what is queued.
/// Returns how many arrived, or -1 with errno set. `lengths[i]` is the datagram's length,
/// `name_lengths[i]` its sender's, `truncated[i]` nonzero when it did not fit its slot.
int lannamed_receive_batch(int fd, void *buffers, size_t slot_size, void *names, unsigned name_size,
                           unsigned count, unsigned *lengths, unsigned *name_lengths, int *truncated);

/// Sends `count` (at most 64) datagrams: datagram i is the `lengths[i]` bytes at
/// `data + offsets[i]`, to the `name_lengths[i]`-byte address at `names + i * name_size`.
/// Retries what the kernel did not take (a few times); a datagram that cannot be sent at all is
/// skipped. Returns how many were dealt with (sent or skipped).
int lannamed_send_batch(int fd, const void *data, const size_t *offsets, const unsigned *lengths,
                        const void *names, unsigned name_size, const unsigned *name_lengths, unsigned count);

/// Names the calling thread (at most 15 bytes are kept), as `top -H` and `perf` show it.
int lannamed_name_thread(const char *name);
#endif

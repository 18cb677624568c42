#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "CBatchIO.h"

#define MAX_BATCH 64

int lannamed_receive_batch(int fd, void *buffers, size_t slot_size, void *names, unsigned name_size,
                           unsigned count, unsigned *lengths, unsigned *name_lengths, int *truncated) {
    struct mmsghdr messages[MAX_BATCH];
    struct iovec vectors[MAX_BATCH];
    if (count > MAX_BATCH) count = MAX_BATCH;
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        vectors[i].iov_base = (char *)buffers + (size_t)i * slot_size;
        vectors[i].iov_len = slot_size;
        messages[i].msg_hdr.msg_name = (char *)names + (size_t)i * name_size;
        messages[i].msg_hdr.msg_namelen = name_size;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    int received = recvmmsg(fd, messages, count, MSG_WAITFORONE, NULL);
    for (int i = 0; i < received; i++) {
        lengths[i] = messages[i].msg_len;
        name_lengths[i] = messages[i].msg_hdr.msg_namelen;
        truncated[i] = (messages[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    }
    return received;
}

int lannamed_send_batch(int fd, const void *data, const size_t *offsets, const unsigned *lengths,
                        const void *names, unsigned name_size, const unsigned *name_lengths, unsigned count) {
    struct mmsghdr messages[MAX_BATCH];
    struct iovec vectors[MAX_BATCH];
    if (count > MAX_BATCH) count = MAX_BATCH;
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        vectors[i].iov_base = (char *)data + offsets[i];
        vectors[i].iov_len = lengths[i];
        messages[i].msg_hdr.msg_name = (char *)names + (size_t)i * name_size;
        messages[i].msg_hdr.msg_namelen = name_lengths[i];
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    unsigned sent = 0;
    for (int tries = 0; sent < count && tries < 4; tries++) {
        int result = sendmmsg(fd, messages + sent, count - sent, 0);
        if (result > 0) {
            sent += (unsigned)result;
        } else if (result < 0 && errno != EINTR && errno != EAGAIN) {
            sent += 1;  // this one cannot go (its address is unreachable): skip it
        }
    }
    return (int)sent;
}

int lannamed_name_thread(const char *name) {
    char shortened[16];
    strncpy(shortened, name, sizeof shortened - 1);
    shortened[sizeof shortened - 1] = 0;
    return pthread_setname_np(pthread_self(), shortened);
}

/*
 * The do-nothing DNS responder: the floor for a server's CPU per query on this machine.
 * It binds one UDP socket on 127.0.0.1:PORT and answers every datagram with itself, the QR bit
 * set (NOERROR, the question echoed, no records), batched as a fast server would: up to 32
 * datagrams per recvmmsg and one sendmmsg for their answers. No parsing, no lookup, no checks.
 *
 *   cc -O2 -o null_responder bench/null_responder.c && ./null_responder 5300
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 32
#define SIZE 4096

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) { perror("socket"); return 1; }
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argv[1]));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) { perror("bind"); return 1; }

    static unsigned char buffers[BATCH][SIZE];
    static struct sockaddr_in peers[BATCH];
    struct iovec vectors[BATCH];
    struct mmsghdr messages[BATCH];
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            vectors[i].iov_base = buffers[i];
            vectors[i].iov_len = SIZE;
            memset(&messages[i].msg_hdr, 0, sizeof messages[i].msg_hdr);
            messages[i].msg_hdr.msg_name = &peers[i];
            messages[i].msg_hdr.msg_namelen = sizeof peers[i];
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
        }
        int count = recvmmsg(fd, messages, BATCH, MSG_WAITFORONE, NULL);
        if (count <= 0) continue;
        for (int i = 0; i < count; i++) {
            unsigned int length = messages[i].msg_len;
            if (length >= 12) buffers[i][2] |= 0x80;
            vectors[i].iov_len = length;
        }
        sendmmsg(fd, messages, (unsigned int)count, 0);
    }
}

#ifndef FLOWDOCTOR_CPCAP_SHIM_H
#define FLOWDOCTOR_CPCAP_SHIM_H
#include <pcap/pcap.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* One packet as plain values: Swift reads these without touching struct pcap_pkthdr. */
typedef struct {
    const unsigned char *data;
    unsigned int caplen;
    unsigned int wirelen;
    long long sec;
    long long frac; /* nanoseconds when the handle was opened with nanosecond precision */
    const struct pcap_pkthdr *header; /* for pcap_offline_filter */
} cpcap_packet;

/* 1 ok, 0 timeout (live), -1 error (pcap_geterr), -2 end of file. */
static inline int cpcap_next(pcap_t *p, cpcap_packet *o) {
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc = pcap_next_ex(p, &h, &d);
    if (rc == 1) {
        o->data = d;
        o->caplen = h->caplen;
        o->wirelen = h->len;
        o->sec = (long long)h->ts.tv_sec;
        o->frac = (long long)h->ts.tv_usec;
        o->header = h;
    }
    return rc;
}

/* An offline capture with nanosecond times, through a stdio stream of our own: a 1 MiB buffer
 * instead of stdio's 4 KiB (one read system call per MiB, not per 4 KiB) and no per-call stream
 * lock (one thread reads a file).
 * The buffer goes back through *buffer and must be freed after pcap_close, which closes the file. */
static inline pcap_t *cpcap_open_offline_buffered(const char *path, char *errbuf, void **buffer) {
    enum { size = 1 << 20 };
    *buffer = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *b = malloc(size);
    if (b != NULL && setvbuf(f, b, _IOFBF, size) != 0) { free(b); b = NULL; }
    __fsetlocking(f, FSETLOCKING_BYCALLER);
    (void)posix_fadvise(fileno(f), 0, 0, POSIX_FADV_SEQUENTIAL);
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == NULL) {
        fclose(f);
        free(b);
        return NULL;
    }
    *buffer = b;
    return p;
}

static inline int cpcap_errbuf_size(void) { return PCAP_ERRBUF_SIZE; }
static inline unsigned int cpcap_netmask_unknown(void) { return PCAP_NETMASK_UNKNOWN; }

/* A dead handle for writing a capture: nano != 0 gives a nanosecond pcap (magic a1b23c4d). */
static inline pcap_t *cpcap_open_dead(int linktype, int snaplen, int nano) {
    return pcap_open_dead_with_tstamp_precision(linktype, snaplen,
                                                nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
}

/* One record with its own time (frac in the dumper's unit, µs or ns) and lengths. */
static inline void cpcap_dump(pcap_dumper_t *d, long long sec, long long frac, unsigned int caplen,
                              unsigned int wirelen, const unsigned char *data) {
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)sec;
    h.ts.tv_usec = (suseconds_t)frac;
    h.caplen = caplen;
    h.len = wirelen;
    pcap_dump((u_char *)d, &h, data);
}

/* 0 when everything written so far reached the file, else -1 (errno tells why). */
static inline int cpcap_dump_check(pcap_dumper_t *d) {
    if (pcap_dump_flush(d) != 0) return -1;
    return ferror(pcap_dump_file(d)) ? -1 : 0;
}

/* ---- Live capture ------------------------------------------------------------------------- */

static inline int cpcap_tstamp_precision_nano(void) { return PCAP_TSTAMP_PRECISION_NANO; }

/* pcap_stats' three 32-bit counters as plain values; 0 ok, -1 error (pcap_geterr). */
static inline int cpcap_stats(pcap_t *p, unsigned int *recv, unsigned int *drop, unsigned int *ifdrop) {
    struct pcap_stat st;
    if (pcap_stats(p, &st) != 0) return -1;
    *recv = st.ps_recv;
    *drop = st.ps_drop;
    *ifdrop = st.ps_ifdrop;
    return 0;
}

/* A non-blocking eventfd (close-on-exec) to wake a poll; -1 with errno on failure. */
static inline int cpcap_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

/* Makes `fd` readable (eventfd counter + 1). Async-signal-safe; keeps errno. */
static inline void cpcap_eventfd_signal(int fd) {
    int saved = errno;
    if (fd >= 0) {
        uint64_t one = 1;
        ssize_t r = write(fd, &one, sizeof one);
        (void)r;
    }
    errno = saved;
}

/* Empties `fd` so that it is no longer readable. */
static inline void cpcap_eventfd_drain(int fd) {
    uint64_t v;
    if (fd >= 0) {
        ssize_t r = read(fd, &v, sizeof v);
        (void)r;
    }
}

/* ---- Stop on SIGINT / SIGTERM (async-signal-safe) ----------------------------------------------
 * The flag and the wake-up eventfd are `static`, so every translation unit that uses them gets
 * its own copy. For Swift that means every object file: call the cpcap_stop_* functions from ONE
 * Swift file only (Sources/PacketCapture/LiveCapture.swift, behind `StopSignals`), never from
 * elsewhere, or the handler would set one copy and the reader look at another.
 * The handler only stores to a volatile sig_atomic_t and write()s to an eventfd: both are
 * async-signal-safe. It does not call pcap_breakloop; the eventfd wakes every LiveCapture's poll
 * instead, so no pcap_t is ever touched from a signal handler (nor after it was closed). */
static volatile sig_atomic_t cpcap_stop_flag = 0;
static volatile sig_atomic_t cpcap_stop_signal = 0;
static int cpcap_stop_fd = -1; /* only through __atomic builtins */

static inline void cpcap_stop_handler(int sig) {
    cpcap_stop_signal = sig;
    cpcap_stop_flag = 1;
    cpcap_eventfd_signal(__atomic_load_n(&cpcap_stop_fd, __ATOMIC_SEQ_CST));
}

/* Installs the handler for SIGINT and SIGTERM (no SA_RESTART: a blocking read gets EINTR).
 * Idempotent. 0 ok, -1 error (errno). */
static inline int cpcap_stop_install(void) {
    int fd = __atomic_load_n(&cpcap_stop_fd, __ATOMIC_SEQ_CST);
    if (fd < 0) {
        int made = cpcap_eventfd();
        if (made < 0) return -1;
        int expected = -1;
        if (!__atomic_compare_exchange_n(&cpcap_stop_fd, &expected, made, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            close(made);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cpcap_stop_handler;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = 0;
    if (sigaction(SIGINT, &sa, NULL) != 0) return -1;
    if (sigaction(SIGTERM, &sa, NULL) != 0) return -1;
    return 0;
}

/* As if a signal had arrived (signal number 0). Async-signal-safe. */
static inline void cpcap_stop_request(void) {
    cpcap_stop_flag = 1;
    cpcap_eventfd_signal(__atomic_load_n(&cpcap_stop_fd, __ATOMIC_SEQ_CST));
}
static inline int cpcap_stop_requested(void) { return cpcap_stop_flag != 0; }
/* The signal that asked to stop (SIGINT, SIGTERM), 0 when requested otherwise or not at all. */
static inline int cpcap_stop_signal_number(void) { return cpcap_stop_flag ? (int)cpcap_stop_signal : 0; }
static inline void cpcap_stop_clear(void) {
    cpcap_stop_flag = 0;
    cpcap_stop_signal = 0;
    cpcap_eventfd_drain(__atomic_load_n(&cpcap_stop_fd, __ATOMIC_SEQ_CST));
}
/* The eventfd that becomes readable on a stop request (-1 before cpcap_stop_install). */
static inline int cpcap_stop_fd_get(void) { return __atomic_load_n(&cpcap_stop_fd, __ATOMIC_SEQ_CST); }
#endif

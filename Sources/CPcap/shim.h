#ifndef FLOWDOCTOR_CPCAP_SHIM_H
#define FLOWDOCTOR_CPCAP_SHIM_H
#include <pcap/pcap.h>

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

static inline pcap_t *cpcap_open_offline_nano(const char *path, char *errbuf) {
    return pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
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
#endif

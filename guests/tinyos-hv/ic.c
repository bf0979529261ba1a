/* The integration services' VSCs, in the icmsg framework Linux's
 * drivers/hv/hv_util.c (heartbeat, shutdown, time sync) and hv_kvp.c (with
 * its daemon's pools) implement: every packet is a vmbuspipe header (8
 * bytes) and an icmsg header (20 bytes), then the message; the guest answers
 * in the same buffer with icflags TRANSACTION | RESPONSE and the same
 * transaction id. */
#include "io.h"
#include "kernel.h"
#include "lib.h"
#include "hv.h"

#define ICMSG_HDR 28            /* vmbuspipe_hdr + icmsg_hdr */
#define IC_FRAME_MAJOR 8
#define IC_FRAME_MINOR 10
#define IC_MSGTYPE     12
#define IC_MSG_MAJOR   14
#define IC_MSG_MINOR   16
#define IC_MSGSIZE     18
#define IC_STATUS      20
#define IC_FLAGS       25

#define ICMSGTYPE_NEGOTIATE  0
#define ICMSGTYPE_HEARTBEAT  1
#define ICMSGTYPE_KVPEXCHANGE 2
#define ICMSGTYPE_SHUTDOWN   3
#define ICMSGTYPE_TIMESYNC   4
#define ICFLAG_TRANSACTION   1
#define ICFLAG_RESPONSE      4

#define S_OK      0x00000000u
#define E_FAIL    0x80004005u
#define HV_S_CONT 0x80070103u

#define MAX_VERSION_COUNT 100

const char *const ic_names[IC_COUNT] = {
    "Heartbeat", "Shutdown", "Time Synchronization", "Key-Value Pair Exchange",
};

/* Class GUIDs in their wire order: the first three fields little-endian. */
#define GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7) { \
    (uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24), \
    (uint8_t)(b), (uint8_t)((b) >> 8), (uint8_t)(c), (uint8_t)((c) >> 8), \
    d0, d1, d2, d3, d4, d5, d6, d7 }
const uint8_t ic_guids[IC_COUNT][16] = {
    GUID(0x57164f39u, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d),
    GUID(0x0e0b6031u, 0x5213, 0x4934, 0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb),
    GUID(0x9527e630u, 0xd0ae, 0x497b, 0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf),
    GUID(0xa9a0f4e7u, 0x5a45, 0x4d96, 0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6),
};

/* Supported versions, highest first (major << 16 | minor). */
static const uint32_t fw_versions[] = {0x00030000, 0x00010000};
static const uint32_t hb_versions[] = {0x00030000, 0x00010000};
static const uint32_t sd_versions[] = {0x00030002, 0x00030001, 0x00030000, 0x00010000};
static const uint32_t ts_versions[] = {0x00040000, 0x00030000, 0x00010000};
static const uint32_t kvp_versions[] = {0x00050000, 0x00040000, 0x00030000};
static const struct { const uint32_t *list; unsigned count; } srv_versions[IC_COUNT] = {
    {hb_versions, 2}, {sd_versions, 4}, {ts_versions, 3}, {kvp_versions, 3},
};

static struct {
    uint32_t fw, srv;           /* negotiated, 0 until then */
    uint32_t requests, failures;
} ic[IC_COUNT];

static uint64_t last_heartbeat;
static uint32_t beats;
static int timesync_have;
static uint64_t host_time_offset;       /* host time (100 ns since 1601) minus reference time */
static uint64_t last_host_time;
static uint32_t ts_syncs, ts_samples;

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

static void reply(struct vmbus_channel *ch, uint64_t trans_id, uint8_t *buf, uint32_t len)
{
    buf[IC_FLAGS] = ICFLAG_TRANSACTION | ICFLAG_RESPONSE;
    vmbus_send_inband(ch, trans_id, buf, len);
}

/* Chooses the first of ours (highest first) that the host lists, for the
 * framework and then for the service, and answers with one of each, or with
 * counts of 0 when there is no match (vmbus_prep_negotiate_resp). */
static int negotiate(int kind, uint8_t *buf, uint32_t *len)
{
    uint8_t *neg = buf + ICMSG_HDR;
    uint32_t fw_count, srv_count, i, j, fw = 0, srv = 0;
    int found = 0;

    wr16(buf + IC_MSGSIZE, 0x10);
    if (*len < ICMSG_HDR + 8) {
        *len = ICMSG_HDR + 16;
        wr16(neg, 0);
        wr16(neg + 2, 0);
        return 0;
    }
    fw_count = rd16(neg);
    srv_count = rd16(neg + 2);
    if (fw_count <= MAX_VERSION_COUNT && srv_count <= MAX_VERSION_COUNT &&
        ICMSG_HDR + 8 + 4 * (fw_count + srv_count) <= *len) {
        for (i = 0; i < 2 && !fw; i++)
            for (j = 0; j < fw_count; j++)
                if (((uint32_t)rd16(neg + 8 + 4 * j) << 16 | rd16(neg + 10 + 4 * j)) == fw_versions[i]) {
                    fw = fw_versions[i];
                    break;
                }
        for (i = 0; fw && i < srv_versions[kind].count && !srv; i++)
            for (j = fw_count; j < fw_count + srv_count; j++)
                if (((uint32_t)rd16(neg + 8 + 4 * j) << 16 | rd16(neg + 10 + 4 * j)) == srv_versions[kind].list[i]) {
                    srv = srv_versions[kind].list[i];
                    break;
                }
        found = fw && srv;
    }
    wr16(neg, found ? 1 : 0);
    wr16(neg + 2, found ? 1 : 0);
    wr16(neg + 8, (uint16_t)(fw >> 16));
    wr16(neg + 10, (uint16_t)fw);
    wr16(neg + 12, (uint16_t)(srv >> 16));
    wr16(neg + 14, (uint16_t)srv);
    if (*len < ICMSG_HDR + 16)
        *len = ICMSG_HDR + 16;
    if (found) {
        ic[kind].fw = fw;
        ic[kind].srv = srv;
    }
    return found;
}

/* ---- Time ------------------------------------------------------------------ */

static int is_leap(uint32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* 100 ns units since 1601-01-01 00:00 UTC -> "YYYY-MM-DD hh:mm:ss". */
static void format_time(char *buf, uint32_t size, uint64_t t)
{
    static const uint8_t mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    uint32_t sub, secs_of_day, d, y, c, q, yr, m;
    uint64_t secs = udiv64(t, 10000000u, &sub);
    uint64_t days64 = udiv64(secs, 86400u, &secs_of_day);

    d = (uint32_t)days64;
    y = 1601 + 400 * (d / 146097);
    d %= 146097;
    c = d / 36524;
    if (c == 4)
        c = 3;
    d -= c * 36524;
    q = d / 1461;
    d %= 1461;
    yr = d / 365;
    if (yr == 4)
        yr = 3;
    d -= yr * 365;
    y += 100 * c + 4 * q + yr;
    for (m = 0; m < 12; m++) {
        uint32_t n = mdays[m] + (m == 1 && is_leap(y));
        if (d < n)
            break;
        d -= n;
    }
    snprintf(buf, size, "%04u-%02u-%02u %02u:%02u:%02u", y, m + 1, d + 1,
             secs_of_day / 3600, secs_of_day / 60 % 60, secs_of_day % 60);
}

static void timesync(uint8_t *buf, uint32_t len)
{
    uint64_t parent, ref;
    uint8_t flags;
    char when[24];

    if (ic[IC_TIMESYNC].srv >= 0x00040000) {
        if (len < ICMSG_HDR + 17)
            return;
        parent = rd64(buf + ICMSG_HDR);
        ref = rd64(buf + ICMSG_HDR + 8);        /* the reference time the host sampled at */
        flags = buf[ICMSG_HDR + 16];
        if (!ref_time_is_hv() || !ref)
            ref = ref_time_100ns();
    } else {
        if (len < ICMSG_HDR + 25)
            return;
        parent = rd64(buf + ICMSG_HDR);
        flags = buf[ICMSG_HDR + 24];
        ref = ref_time_100ns();
    }
    last_host_time = parent;
    host_time_offset = parent - ref;
    if (flags & 1)
        ts_syncs++;
    else
        ts_samples++;
    if ((flags & 1) || !timesync_have) {
        format_time(when, sizeof when, parent);
        kprintf("timesync: %s from the host: %s UTC\n", flags & 1 ? "clock set" : "first sample", when);
    }
    timesync_have = 1;
}

void cmd_date(void)
{
    char when[24];
    if (!timesync_have) {
        kprintf("date: no time from the host yet (Time Synchronization has not sent any)\n");
        return;
    }
    format_time(when, sizeof when, host_time_offset + ref_time_100ns());
    kprintf("%s UTC (host time via Time Synchronization %u.%u; %u syncs, %u samples)\n", when,
            ic[IC_TIMESYNC].srv >> 16, ic[IC_TIMESYNC].srv & 0xFFFF, ts_syncs, ts_samples);
}

/* ---- Shutdown -------------------------------------------------------------- */

static void printable(char *dst, uint32_t dsize, uint32_t type, const uint8_t *v, uint32_t vsize);

static void shutdown(struct vmbus_channel *ch, uint64_t trans_id, uint8_t *buf, uint32_t len)
{
    uint32_t reason, timeout, flags, status;
    int restart;

    if (len < ICMSG_HDR + 12) {
        wr32(buf + IC_STATUS, E_FAIL);
        reply(ch, trans_id, buf, len);
        return;
    }
    reason = rd32(buf + ICMSG_HDR);
    timeout = rd32(buf + ICMSG_HDR + 4);
    flags = rd32(buf + ICMSG_HDR + 8);
    /* 0/1: shut down (1 = forced), 2/3: restart; hibernation (4/5) and
     * anything else are refused, as Linux does without hibernation. */
    status = flags <= 3 ? S_OK : E_FAIL;
    restart = (flags & 2) != 0;
    wr32(buf + IC_STATUS, status);
    reply(ch, trans_id, buf, len);
    if (status != S_OK) {
        kprintf("shutdown: request with flags 0x%x refused\n", flags);
        return;
    }
    kprintf("shutdown requested by the host (reason 0x%08x, flags 0x%x%s%s, timeout %u s)\n", reason, flags,
            flags & 1 ? ", forced" : "", restart ? ", restart" : "", timeout);
    if (len > ICMSG_HDR + 12 + 1) {
        char text[96];
        printable(text, sizeof text, 1, buf + ICMSG_HDR + 12, len - ICMSG_HDR - 12);
        if (text[0])
            kprintf("shutdown: the host says \"%s\"\n", text);
    }
    delay_ms(100);          /* let the host read the answer */
    if (restart)
        power_reset();
    power_off();
}

/* ---- Key-value pairs ------------------------------------------------------- */

#define KVP_OP_GET 0
#define KVP_OP_SET 1
#define KVP_OP_DELETE 2
#define KVP_OP_ENUMERATE 3
#define KVP_POOL_EXTERNAL 0
#define KVP_POOL_AUTO 2
#define KVP_POOLS 5
#define KVP_KEY_MAX 512
#define KVP_VALUE_MAX 2048
#define KVP_ENTRIES 12
#define REG_SZ 1

/* hv_kvp_exchg_msg_value: u32 type, u32 key_size, u32 value_size, key[512], value[2048]. */
#define V_TYPE 0
#define V_KEY_SIZE 4
#define V_VALUE_SIZE 8
#define V_KEY 12
#define V_VALUE (12 + KVP_KEY_MAX)
#define V_SIZE (12 + KVP_KEY_MAX + KVP_VALUE_MAX)

struct kvp_entry {
    uint32_t type, key_size, value_size;
    uint8_t key[KVP_KEY_MAX];
    uint8_t value[KVP_VALUE_MAX];
};
static struct kvp_entry kvp_pools[KVP_POOLS][KVP_ENTRIES];
static uint32_t kvp_counts[KVP_POOLS];
static uint32_t kvp_ops[4];

static const char *const auto_keys[] = {
    "FullyQualifiedDomainName", "IntegrationServicesVersion", "OSBuildNumber", "OSName",
    "OSMajorVersion", "OSMinorVersion", "OSVersion", "ProcessorArchitecture",
};
static const char *const auto_values[] = {
#ifdef TINYOS_HV_WIN
    HV_IMAGE_NAME, "10.0.19045.0", "19045", "Windows 10 (" HV_IMAGE_NAME ")", "10", "0", "10.0.19045", "x86",
#else
    HV_IMAGE_NAME, TINYOS_VERSION, "1", "tinyos", "0", "1", TINYOS_VERSION ".0", "i386",
#endif
};
#define AUTO_COUNT (sizeof auto_keys / sizeof auto_keys[0])

/* UTF-16LE with a terminating NUL; returns the byte size (key_size/value_size). */
static uint32_t to_utf16(uint8_t *dst, uint32_t max, const char *s)
{
    uint32_t n = 0;
    while (*s && 2 * n + 4 <= max) {
        dst[2 * n] = (uint8_t)*s++;
        dst[2 * n + 1] = 0;
        n++;
    }
    dst[2 * n] = dst[2 * n + 1] = 0;
    return 2 * (n + 1);
}

/* Characters of a UTF-16 key before its NUL, within size bytes. */
static uint32_t utf16_units(const uint8_t *s, uint32_t size)
{
    uint32_t n = 0;
    while (2 * n + 1 < size && (s[2 * n] || s[2 * n + 1]))
        n++;
    return n;
}

static int same_key(const uint8_t *a, uint32_t asize, const uint8_t *b, uint32_t bsize)
{
    uint32_t n = utf16_units(a, asize);
    return n == utf16_units(b, bsize) && !memcmp(a, b, 2 * n);
}

static int ascii_is_key(const uint8_t *k, uint32_t size, const char *s)
{
    uint32_t n = utf16_units(k, size), i;
    for (i = 0; i < n; i++)
        if (!s[i] || k[2 * i] != (uint8_t)s[i] || k[2 * i + 1])
            return 0;
    return s[n] == 0;
}

/* A stored value as printable ASCII (for the console only). */
static void printable(char *dst, uint32_t dsize, uint32_t type, const uint8_t *v, uint32_t vsize)
{
    uint32_t i, n;
    if (type == 4 && vsize >= 4) {              /* REG_U32 */
        snprintf(dst, dsize, "%u", rd32(v));
        return;
    }
    if (type == 11 && vsize >= 8) {             /* REG_U64 */
        char d[21];
        snprintf(dst, dsize, "%s", u64_dec(d, rd64(v)));
        return;
    }
    n = utf16_units(v, vsize);
    for (i = 0; i < n && i + 1 < dsize; i++) {
        uint16_t c = rd16(v + 2 * i);
        dst[i] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    dst[i] = 0;
}

static uint32_t kvp_store(const uint8_t *msg, int pool, int op)
{
    const uint8_t *val = msg + 4;
    uint32_t ksize, vsize, i;
    struct kvp_entry *e = 0;
    char k[64], v[96];

    if (op == KVP_OP_DELETE) {
        ksize = rd32(msg + 4);
        if (ksize > KVP_KEY_MAX)
            return HV_S_CONT;
        for (i = 0; i < kvp_counts[pool]; i++)
            if (same_key(kvp_pools[pool][i].key, kvp_pools[pool][i].key_size, msg + 8, ksize))
                break;
        if (i == kvp_counts[pool])
            return HV_S_CONT;
        printable(k, sizeof k, REG_SZ, msg + 8, ksize);
        kprintf("kvp: pool %d: host deleted \"%s\"\n", pool, k);
        for (; i + 1 < kvp_counts[pool]; i++)
            kvp_pools[pool][i] = kvp_pools[pool][i + 1];
        kvp_counts[pool]--;
        return S_OK;
    }
    ksize = rd32(val + V_KEY_SIZE);
    vsize = rd32(val + V_VALUE_SIZE);
    if (ksize > KVP_KEY_MAX || vsize > KVP_VALUE_MAX || utf16_units(val + V_KEY, ksize) == 0)
        return HV_S_CONT;
    for (i = 0; i < kvp_counts[pool]; i++)
        if (same_key(kvp_pools[pool][i].key, kvp_pools[pool][i].key_size, val + V_KEY, ksize))
            e = &kvp_pools[pool][i];
    if (!e) {
        if (kvp_counts[pool] == KVP_ENTRIES)
            return HV_S_CONT;
        e = &kvp_pools[pool][kvp_counts[pool]++];
    }
    memset(e, 0, sizeof *e);
    e->type = rd32(val + V_TYPE);
    e->key_size = ksize;
    e->value_size = vsize;
    memcpy(e->key, val + V_KEY, ksize);
    memcpy(e->value, val + V_VALUE, vsize);
    printable(k, sizeof k, REG_SZ, e->key, e->key_size);
    printable(v, sizeof v, e->type, e->value, e->value_size);
    kprintf("kvp: pool %d: host set \"%s\" = \"%s\"\n", pool, k, v);
    return S_OK;
}

static void kvp(uint8_t *buf, uint32_t len)
{
    uint8_t *msg = buf + ICMSG_HDR;            /* hv_kvp_msg: u8 op, u8 pool, u16 pad, body */
    uint8_t *body = msg + 4;
    uint32_t status = S_OK, i;
    int op, pool;

    if (len < ICMSG_HDR + 4) {
        wr32(buf + IC_STATUS, E_FAIL);
        return;
    }
    op = msg[0];
    pool = msg[1];
    /* Too short for what the operation carries: answer with a failure. */
    if (len < ICMSG_HDR + 4 + (op == KVP_OP_DELETE ? 4 + KVP_KEY_MAX : op == KVP_OP_ENUMERATE ? 4 + V_SIZE : V_SIZE)) {
        wr32(buf + IC_STATUS, E_FAIL);
        return;
    }
    if (op <= 3)
        kvp_ops[op]++;
    if (pool >= KVP_POOLS || op > 3) {
        wr32(buf + IC_STATUS, HV_S_CONT);
        return;
    }
    switch (op) {
    case KVP_OP_SET:
    case KVP_OP_DELETE:
        status = pool == KVP_POOL_AUTO ? HV_S_CONT : kvp_store(msg, pool, op);
        break;
    case KVP_OP_GET: {
        uint32_t ksize = rd32(body + V_KEY_SIZE);
        if (ksize > KVP_KEY_MAX) {
            status = HV_S_CONT;
            break;
        }
        status = HV_S_CONT;
        if (pool == KVP_POOL_AUTO) {
            for (i = 0; i < AUTO_COUNT; i++)
                if (ascii_is_key(body + V_KEY, ksize, auto_keys[i])) {
                    wr32(body + V_TYPE, REG_SZ);
                    wr32(body + V_VALUE_SIZE, to_utf16(body + V_VALUE, KVP_VALUE_MAX, auto_values[i]));
                    status = S_OK;
                }
        } else {
            for (i = 0; i < kvp_counts[pool]; i++) {
                struct kvp_entry *e = &kvp_pools[pool][i];
                if (same_key(e->key, e->key_size, body + V_KEY, ksize)) {
                    wr32(body + V_TYPE, e->type);
                    wr32(body + V_VALUE_SIZE, e->value_size);
                    memcpy(body + V_VALUE, e->value, e->value_size);
                    status = S_OK;
                }
            }
        }
        break;
    }
    case KVP_OP_ENUMERATE: {
        uint32_t index = rd32(body);
        uint8_t *v = body + 4;
        if (pool == KVP_POOL_AUTO) {
            if (index < AUTO_COUNT) {
                memset(v, 0, V_SIZE);
                wr32(v + V_TYPE, REG_SZ);
                wr32(v + V_KEY_SIZE, to_utf16(v + V_KEY, KVP_KEY_MAX, auto_keys[index]));
                wr32(v + V_VALUE_SIZE, to_utf16(v + V_VALUE, KVP_VALUE_MAX, auto_values[index]));
            } else {
                status = HV_S_CONT;             /* past the end: the host stops enumerating */
            }
        } else if (index < kvp_counts[pool]) {
            struct kvp_entry *e = &kvp_pools[pool][index];
            memset(v, 0, V_SIZE);
            wr32(v + V_TYPE, e->type);
            wr32(v + V_KEY_SIZE, e->key_size);
            wr32(v + V_VALUE_SIZE, e->value_size);
            memcpy(v + V_KEY, e->key, e->key_size);
            memcpy(v + V_VALUE, e->value, e->value_size);
        } else {
            status = HV_S_CONT;
        }
        break;
    }
    }
    wr32(buf + IC_STATUS, status);
}

void cmd_kvp(void)
{
    char k[64], v[96];
    uint32_t i;
    kprintf("pool 0 (external, written by the host): %u entries\n", kvp_counts[KVP_POOL_EXTERNAL]);
    for (i = 0; i < kvp_counts[KVP_POOL_EXTERNAL]; i++) {
        struct kvp_entry *e = &kvp_pools[KVP_POOL_EXTERNAL][i];
        printable(k, sizeof k, REG_SZ, e->key, e->key_size);
        printable(v, sizeof v, e->type, e->value, e->value_size);
        kprintf("  %s = %s\n", k, v);
    }
    for (int p = 1; p < KVP_POOLS; p++)
        if (p != KVP_POOL_AUTO && kvp_counts[p])
            kprintf("pool %d: %u entries\n", p, kvp_counts[p]);
    kprintf("pool 2 (auto, from the guest):\n");
    for (i = 0; i < AUTO_COUNT; i++)
        kprintf("  %s = %s\n", auto_keys[i], auto_values[i]);
    kprintf("requests: %u get, %u set, %u delete, %u enumerate\n", kvp_ops[0], kvp_ops[1], kvp_ops[2], kvp_ops[3]);
}

/* ---- Dispatch ---------------------------------------------------------------- */

void ic_channel_opened(int kind)
{
    ic[kind].fw = ic[kind].srv = 0;
}

void ic_on_packet(int kind, struct vmbus_channel *ch, uint64_t trans_id, uint8_t *buf, uint32_t len)
{
    uint16_t type;

    ic[kind].requests++;
    if (len < ICMSG_HDR) {
        ic[kind].failures++;
        return;
    }
    type = rd16(buf + IC_MSGTYPE);
    if (type == ICMSGTYPE_NEGOTIATE) {
        if (!negotiate(kind, buf, &len))
            ic[kind].failures++;
        reply(ch, trans_id, buf, len);
        return;
    }
    switch (kind) {
    case IC_HEARTBEAT:
        if (type != ICMSGTYPE_HEARTBEAT || len < ICMSG_HDR + 8)
            break;
        last_heartbeat = rd64(buf + ICMSG_HDR);
        if (beats++ == 0)
            kprintf("heartbeat: first beat from the host (sequence %u), answering\n", (uint32_t)last_heartbeat);
        wr64(buf + ICMSG_HDR, last_heartbeat + 1);
        reply(ch, trans_id, buf, len);
        return;
    case IC_SHUTDOWN:
        if (type != ICMSGTYPE_SHUTDOWN)
            break;
        shutdown(ch, trans_id, buf, len);
        return;
    case IC_TIMESYNC:
        if (type != ICMSGTYPE_TIMESYNC)
            break;
        timesync(buf, len);
        reply(ch, trans_id, buf, len);
        return;
    case IC_KVP:
        if (type != ICMSGTYPE_KVPEXCHANGE)
            break;
        kvp(buf, len);
        reply(ch, trans_id, buf, len);
        return;
    }
    ic[kind].failures++;
}

int ic_beats(void) { return (int)beats; }

void ic_status(int kind)
{
    kprintf("  framework %u.%u, %s %u.%u; %u requests",
            ic[kind].fw >> 16, ic[kind].fw & 0xFFFF, kind == IC_KVP ? "KVP" : "service",
            ic[kind].srv >> 16, ic[kind].srv & 0xFFFF, ic[kind].requests);
    if (ic[kind].failures)
        kprintf(" (%u not understood)", ic[kind].failures);
    if (kind == IC_HEARTBEAT)
        kprintf(", last sequence %u", (uint32_t)last_heartbeat);
    if (kind == IC_TIMESYNC)
        kprintf(", %u syncs, %u samples", ts_syncs, ts_samples);
    kprintf("\n");
}

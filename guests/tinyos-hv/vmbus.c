/* The VMBus client: version negotiation, offers, GPADLs, opening and closing
 * channels, rescinds, and the ring buffers, following the protocol as
 * Linux's drivers/hv (connection.c, channel_mgmt.c, channel.c,
 * ring_buffer.c) speaks it. Everything that comes from the host is checked
 * before use: a bad message is counted and dropped, a bad ring stops that
 * channel only. */
#include "io.h"
#include "kernel.h"
#include "lib.h"
#include "hv.h"

/* Channel message types. */
enum {
    MSG_OFFERCHANNEL = 1, MSG_RESCIND_CHANNELOFFER = 2, MSG_REQUESTOFFERS = 3,
    MSG_ALLOFFERS_DELIVERED = 4, MSG_OPENCHANNEL = 5, MSG_OPENCHANNEL_RESULT = 6,
    MSG_CLOSECHANNEL = 7, MSG_GPADL_HEADER = 8, MSG_GPADL_BODY = 9,
    MSG_GPADL_CREATED = 10, MSG_GPADL_TEARDOWN = 11, MSG_GPADL_TORNDOWN = 12,
    MSG_RELID_RELEASED = 13, MSG_INITIATE_CONTACT = 14, MSG_VERSION_RESPONSE = 15,
    MSG_UNLOAD = 16, MSG_UNLOAD_RESPONSE = 17,
};

#define VMBUS_MESSAGE_TYPE         1    /* the HvPostMessage message type */
#define VMBUS_MESSAGE_CONNECTION_ID   1
#define VMBUS_MESSAGE_CONNECTION_ID_4 4
#define VERSION_WIN10_V5           0x00050000u
#define VMBUS_MESSAGE_SINT         2
#define MAX_CHANNEL_MESSAGE        240

#define OFFER_SIZE        196   /* header + vmbus_channel_offer + relid .. connection_id */
#define PKT_DATA_INBAND   6
#define PKT_COMP          11
#define PKT_FLAG_COMPLETION_REQUESTED 1

#define MAX_CHANNELS      16
#define RING_PAGES        4     /* each direction, the control page included */
#define PAGE_SIZE         4096
#define RING_DATA_SIZE    ((RING_PAGES - 1) * PAGE_SIZE)
#define GPADL_PAGES       (2 * RING_PAGES)
#define RELID_NONE        0xFFFFFFFFu

enum ch_state {
    CH_FREE, CH_OFFERED, CH_GPADL, CH_OPENING, CH_OPEN, CH_FAILED, CH_TEARDOWN,
};
static const char *const state_names[] = {
    "free", "offered", "gpadl-wait", "opening", "open", "failed", "closing",
};

/* The control page at the start of each ring (Linux's struct hv_ring_buffer). */
struct ring_control {
    volatile uint32_t write_index;
    volatile uint32_t read_index;
    volatile uint32_t interrupt_mask;
    volatile uint32_t pending_send_sz;
    uint32_t reserved1[12];
    volatile uint32_t feature_bits;
};

struct vmbus_channel {
    int state;
    int kind;                   /* IC_*, or -1 for a device this guest does not drive */
    uint32_t relid;
    uint32_t connection_id;
    uint8_t type[16], instance[16];
    uint8_t monitor_id, monitor_allocated;
    uint16_t dedicated_interrupt;
    uint32_t gpadl;
    uint32_t open_status;
    int rescinded;
    int broken;
    const char *broken_why;
    uint32_t packets_in, packets_out, bytes_in, bytes_out, signals_out, events_in;
    uint32_t dropped_in, full_out;
};

static struct vmbus_channel channels[MAX_CHANNELS];
static uint8_t rings[MAX_CHANNELS][GPADL_PAGES * PAGE_SIZE] __attribute__((aligned(4096)));
/* The interrupt page (two halves: host-to-guest, guest-to-host) and the two
 * monitor pages INITIATE_CONTACT names. From WIN8 on, incoming events use the
 * SIEFP instead; the send half still carries a bit per channel without a
 * dedicated interrupt, as Linux sets it. */
static uint8_t int_page[PAGE_SIZE] __attribute__((aligned(4096)));
static uint8_t monitor_pages[2][PAGE_SIZE] __attribute__((aligned(4096)));
static uint8_t out_msg[MAX_CHANNEL_MESSAGE] __attribute__((aligned(8)));
static uint8_t packet[8192] __attribute__((aligned(8)));

static const uint32_t versions[] = {
    0x00050003, 0x00050002, 0x00050001, 0x00050000, 0x00040001, 0x00040000, 0x00030000, 0x00020004,
};

static struct {
    int state;                  /* 0 none, 1 contacting, 2 connected, 3 failed */
    uint32_t version;
    uint32_t msg_conn_id;
    volatile int response;      /* a VERSION_RESPONSE arrived */
    uint8_t supported;
    uint8_t connection_state;
    uint32_t response_conn_id;
    volatile int all_offers;
    int booted;                 /* the boot-time connection is done: report changes */
    uint32_t next_gpadl;
    uint32_t messages_in, messages_out, malformed, unknown, post_failures;
    uint16_t last_post_status;
    const char *unavailable;
} vmbus;

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void wr32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

/* Devices this guest recognises but does not drive, for `vmbus`: the first
 * four bytes of their class GUIDs (unique among Hyper-V's device classes). */
static const struct { uint32_t guid_start; const char *name; } other_devices[] = {
    {0x35fa2e29, "VSS (not driven)"},
    {0x34d14be3, "Guest Service Interface (not driven)"},
    {0xba6163d9, "SCSI storage (not driven)"},
    {0x32412632, "IDE accelerator (not driven)"},
    {0xf8615163, "network (not driven)"},
    {0xf912ad6d, "keyboard (not driven)"},
    {0xcfa8b69e, "mouse (not driven)"},
    {0xda0a7802, "video (not driven)"},
    {0x525074dc, "dynamic memory (not driven)"},
};

static const char *channel_name(const struct vmbus_channel *ch)
{
    uint32_t start;
    if (ch->kind >= 0)
        return ic_names[ch->kind];
    start = ch->type[0] | ch->type[1] << 8 | ch->type[2] << 16 | (uint32_t)ch->type[3] << 24;
    for (unsigned i = 0; i < sizeof other_devices / sizeof other_devices[0]; i++)
        if (other_devices[i].guid_start == start)
            return other_devices[i].name;
    return "(unknown device)";
}

static void print_guid(const uint8_t *g)
{
    kprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
            g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* Posts a channel message to the connection VERSION_RESPONSE named. */
static int post(uint32_t size)
{
    uint16_t status;
    uint32_t conn = vmbus.msg_conn_id ? vmbus.msg_conn_id : VMBUS_MESSAGE_CONNECTION_ID;
    status = hv_post_message(conn, VMBUS_MESSAGE_TYPE, out_msg, size);
    if (status != HV_STATUS_SUCCESS) {
        vmbus.post_failures++;
        vmbus.last_post_status = status;
        return -1;
    }
    vmbus.messages_out++;
    return 0;
}

static void begin_msg(uint32_t type, uint32_t size)
{
    memset(out_msg, 0, size);
    wr32(out_msg, type);
}

static struct vmbus_channel *find_relid(uint32_t relid)
{
    for (int i = 0; i < MAX_CHANNELS; i++)
        if (channels[i].state != CH_FREE && channels[i].state != CH_TEARDOWN && channels[i].relid == relid)
            return &channels[i];
    return 0;
}

static int channel_index(const struct vmbus_channel *ch) { return (int)(ch - channels); }
static struct ring_control *out_ring(struct vmbus_channel *ch) { return (struct ring_control *)rings[channel_index(ch)]; }
static struct ring_control *in_ring(struct vmbus_channel *ch) { return (struct ring_control *)(rings[channel_index(ch)] + RING_PAGES * PAGE_SIZE); }

static void mark_broken(struct vmbus_channel *ch, const char *why)
{
    if (!ch->broken) {
        ch->broken = 1;
        ch->broken_why = why;
        kprintf("vmbus: %s (relid %u): bad ring from the host (%s); channel stopped\n",
                channel_name(ch), ch->relid, why);
    }
}

/* ---- Ring buffers -------------------------------------------------------- */

static void ring_copy_in(uint8_t *data, uint32_t at, const void *src, uint32_t len)
{
    const uint8_t *s = src;
    for (uint32_t i = 0; i < len; i++) {
        data[at] = s[i];
        at = at + 1 == RING_DATA_SIZE ? 0 : at + 1;
    }
}

static void ring_copy_out(const uint8_t *data, uint32_t at, void *dst, uint32_t len)
{
    uint8_t *d = dst;
    for (uint32_t i = 0; i < len; i++) {
        d[i] = data[at];
        at = at + 1 == RING_DATA_SIZE ? 0 : at + 1;
    }
}

/* Writes one packet (16-byte descriptor, payload padded to 8 bytes, 8-byte
 * trailer holding the previous write index << 32) to the guest-to-host ring,
 * then signals the host if the ring was empty before this write and the
 * host has not masked interrupts. */
static int ring_write(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t trans_id,
                      const void *payload, uint32_t len)
{
    struct ring_control *rc = out_ring(ch);
    uint8_t *data = (uint8_t *)rc + PAGE_SIZE;
    uint8_t desc[16];
    static const uint8_t zeros[8];
    uint32_t padded = (len + 7) & ~7u;
    uint32_t pktlen = 16 + padded, total = pktlen + 8;
    uint32_t w, r, avail, old_w;
    uint64_t trailer;
    uint32_t f;

    if (ch->broken || ch->state != CH_OPEN)
        return -1;
    f = irq_save();
    w = rc->write_index;
    r = rc->read_index;
    if (r >= RING_DATA_SIZE || (r & 7) || w >= RING_DATA_SIZE || (w & 7)) {
        irq_restore(f);
        mark_broken(ch, "outbound index out of range");
        return -1;
    }
    avail = w >= r ? RING_DATA_SIZE - (w - r) : r - w;
    if (avail <= total) {
        ch->full_out++;
        irq_restore(f);
        return -1;
    }
    wr16(desc, type);
    wr16(desc + 2, 16 / 8);
    wr16(desc + 4, (uint16_t)(pktlen / 8));
    wr16(desc + 6, flags);
    wr64(desc + 8, trans_id);
    old_w = w;
    ring_copy_in(data, w, desc, 16);
    w = (w + 16) % RING_DATA_SIZE;
    ring_copy_in(data, w, payload, len);
    w = (w + len) % RING_DATA_SIZE;
    ring_copy_in(data, w, zeros, padded - len);
    w = (w + padded - len) % RING_DATA_SIZE;
    trailer = (uint64_t)old_w << 32;
    ring_copy_in(data, w, &trailer, 8);
    w = (w + 8) % RING_DATA_SIZE;
    mb();
    rc->write_index = w;
    mb();
    ch->packets_out++;
    ch->bytes_out += len;
    if (!rc->interrupt_mask && old_w == rc->read_index) {
        if (!ch->dedicated_interrupt && ch->relid < 2048 * 8 / 2)
            int_page[PAGE_SIZE / 2 + ch->relid / 8] |= (uint8_t)(1u << (ch->relid % 8));
        hv_signal_event(ch->connection_id, 0);
        ch->signals_out++;
    }
    irq_restore(f);
    return 0;
}

int vmbus_send_inband(struct vmbus_channel *ch, uint64_t trans_id, const void *data, uint32_t len)
{
    return ring_write(ch, PKT_DATA_INBAND, 0, trans_id, data, len);
}

/* Reads every packet in the host-to-guest ring, with interrupt_mask set
 * while reading and cleared (then checked again) when the ring looks empty,
 * as hv_begin_read/hv_end_read do. Interrupts are off. */
static void ring_drain(struct vmbus_channel *ch)
{
    struct ring_control *rc = in_ring(ch);
    const uint8_t *data = (const uint8_t *)rc + PAGE_SIZE;
    unsigned budget = 64;

    if (ch->state != CH_OPEN || ch->broken)
        return;
    while (budget--) {
        uint32_t w, r, avail, len, off, next, before, after, pending;
        uint8_t desc[16];

        rc->interrupt_mask = 1;
        mb();
        w = rc->write_index;
        r = rc->read_index;
        if (w >= RING_DATA_SIZE || (w & 7) || r >= RING_DATA_SIZE || (r & 7)) {
            mark_broken(ch, "inbound index out of range");
            return;
        }
        if (w == r) {
            rc->interrupt_mask = 0;
            mb();
            if (rc->write_index == r)
                return;
            continue;
        }
        avail = w > r ? w - r : RING_DATA_SIZE - r + w;
        if (avail < 16 + 8) {
            mark_broken(ch, "packet shorter than its descriptor");
            return;
        }
        ring_copy_out(data, r, desc, 16);
        off = rd16(desc + 2) * 8u;
        len = rd16(desc + 4) * 8u;
        if (len < 16 || off < 16 || off > len || len + 8 > avail) {
            mark_broken(ch, "packet descriptor with impossible lengths");
            return;
        }
        next = (r + len + 8) % RING_DATA_SIZE;
        if (len <= sizeof packet) {
            ring_copy_out(data, r, packet, len);
        } else {
            ch->dropped_in++;
        }
        /* Free the space, then tell a writer waiting for room. */
        before = RING_DATA_SIZE - avail;
        mb();
        rc->read_index = next;
        mb();
        after = before + len + 8;
        pending = rc->pending_send_sz;
        if ((rc->feature_bits & 1) && pending && before <= pending && after > pending) {
            hv_signal_event(ch->connection_id, 0);
            ch->signals_out++;
        }
        if (len > sizeof packet)
            continue;
        ch->packets_in++;
        ch->bytes_in += len - off;
        {
            uint16_t type = rd16(packet);
            uint64_t trans_id = rd32(packet + 8) | (uint64_t)rd32(packet + 12) << 32;
            if (type == PKT_DATA_INBAND && ch->kind >= 0)
                ic_on_packet(ch->kind, ch, trans_id, packet + off, len - off);
            else
                ch->dropped_in++;
            if (ch->state != CH_OPEN)   /* e.g. closed by what the packet asked */
                return;
        }
    }
}

/* ---- Channel management ---------------------------------------------------- */

static void start_open(struct vmbus_channel *ch)
{
    uint8_t *ring = rings[channel_index(ch)];
    uint32_t npfn = GPADL_PAGES, in_header, i;
    const uint32_t header_max = (MAX_CHANNEL_MESSAGE - 20 - 8) / 8;    /* 26 */
    const uint32_t body_max = (MAX_CHANNEL_MESSAGE - 16) / 8;          /* 28 */

    memset(ring, 0, GPADL_PAGES * PAGE_SIZE);
    out_ring(ch)->feature_bits = 1;     /* feat_pending_send_sz */
    in_ring(ch)->feature_bits = 1;
    ch->gpadl = vmbus.next_gpadl++;
    ch->broken = 0;
    ch->state = CH_GPADL;

    /* GPADL_HEADER: child_relid, gpadl, range_buflen, rangecount 1, then the
     * range {byte_count, byte_offset, pfn[]}; GPADL_BODY for the rest. */
    in_header = npfn < header_max ? npfn : header_max;
    begin_msg(MSG_GPADL_HEADER, 20 + 8 + 8 * in_header);
    wr32(out_msg + 8, ch->relid);
    wr32(out_msg + 12, ch->gpadl);
    wr16(out_msg + 16, (uint16_t)(8 + 8 * npfn));
    wr16(out_msg + 18, 1);
    wr32(out_msg + 20, npfn * PAGE_SIZE);
    wr32(out_msg + 24, 0);
    for (i = 0; i < in_header; i++)
        wr64(out_msg + 28 + 8 * i, ((uint32_t)ring >> 12) + i);
    if (post(28 + 8 * in_header)) {
        ch->state = CH_FAILED;
        return;
    }
    while (i < npfn) {
        uint32_t n = npfn - i < body_max ? npfn - i : body_max, j;
        begin_msg(MSG_GPADL_BODY, 16 + 8 * n);
        wr32(out_msg + 12, ch->gpadl);
        for (j = 0; j < n; j++)
            wr64(out_msg + 16 + 8 * j, ((uint32_t)ring >> 12) + i + j);
        if (post(16 + 8 * n)) {
            ch->state = CH_FAILED;
            return;
        }
        i += n;
    }
}

static void send_open(struct vmbus_channel *ch)
{
    begin_msg(MSG_OPENCHANNEL, 8 + 20 + 120);
    wr32(out_msg + 8, ch->relid);
    wr32(out_msg + 12, ch->relid);              /* openid */
    wr32(out_msg + 16, ch->gpadl);
    wr32(out_msg + 20, 0);                      /* target VP 0 */
    wr32(out_msg + 24, RING_PAGES);             /* the host-to-guest ring's first page */
    ch->state = post(8 + 20 + 120) ? CH_FAILED : CH_OPENING;
}

static void teardown_gpadl(struct vmbus_channel *ch)
{
    begin_msg(MSG_GPADL_TEARDOWN, 16);
    wr32(out_msg + 8, ch->relid);
    wr32(out_msg + 12, ch->gpadl);
    post(16);
}

static void release_relid(uint32_t relid)
{
    begin_msg(MSG_RELID_RELEASED, 12);
    wr32(out_msg + 8, relid);
    post(12);
}

static int open_count(void)
{
    int n = 0;
    for (int i = 0; i < MAX_CHANNELS; i++)
        n += channels[i].state == CH_OPEN;
    return n;
}

static void on_offer(const uint8_t *m)
{
    const uint8_t *o = m + 8;
    uint32_t relid = rd32(o + 176);
    struct vmbus_channel *ch = 0;
    int kind = -1, i;

    if (relid == 0 || relid == RELID_NONE || find_relid(relid)) {
        vmbus.malformed++;
        return;
    }
    for (i = 0; i < IC_COUNT; i++)
        if (!memcmp(o, ic_guids[i], 16))
            kind = i;
    for (i = 0; i < MAX_CHANNELS && !ch; i++)
        if (channels[i].state == CH_FREE)
            ch = &channels[i];
    for (i = 0; i < MAX_CHANNELS && !ch; i++)   /* reuse one whose teardown never came back */
        if (channels[i].state == CH_TEARDOWN)
            ch = &channels[i];
    if (!ch) {
        kprintf("vmbus: no room for the offer of relid %u; ignored\n", relid);
        return;
    }
    memset(ch, 0, sizeof *ch);
    ch->kind = kind;
    ch->relid = relid;
    memcpy(ch->type, o, 16);
    memcpy(ch->instance, o + 16, 16);
    ch->monitor_id = o[180];
    ch->monitor_allocated = o[181] & 1;
    ch->dedicated_interrupt = rd16(o + 182) & 1;
    ch->connection_id = rd32(o + 184);
    ch->state = CH_OFFERED;
    if (vmbus.booted) {
        kprintf("vmbus: offer: %s (relid %u, connection %u)\n", channel_name(ch), relid, ch->connection_id);
    }
    if (kind >= 0)
        start_open(ch);
}

static void close_channel(struct vmbus_channel *ch)
{
    uint32_t relid = ch->relid;
    int had_gpadl = ch->state == CH_GPADL || ch->state == CH_OPENING || ch->state == CH_OPEN ||
                    (ch->state == CH_FAILED && ch->gpadl);
    if (ch->state == CH_OPEN || ch->state == CH_OPENING) {
        begin_msg(MSG_CLOSECHANNEL, 12);
        wr32(out_msg + 8, relid);
        post(12);
    }
    if (had_gpadl)
        teardown_gpadl(ch);
    release_relid(relid);
    ch->rescinded = 1;
    ch->state = had_gpadl ? CH_TEARDOWN : CH_FREE;
}

static void on_rescind(const uint8_t *m)
{
    struct vmbus_channel *ch = find_relid(rd32(m + 8));
    if (!ch) {
        vmbus.malformed++;
        return;
    }
    kprintf("vmbus: rescind: %s (relid %u), %s; closing\n", channel_name(ch), ch->relid, state_names[ch->state]);
    close_channel(ch);
}

static void on_gpadl_created(const uint8_t *m)
{
    struct vmbus_channel *ch = find_relid(rd32(m + 8));
    uint32_t status = rd32(m + 16);
    if (!ch || ch->state != CH_GPADL || ch->gpadl != rd32(m + 12)) {
        vmbus.malformed++;
        return;
    }
    if (status) {
        kprintf("vmbus: %s (relid %u): GPADL refused (status 0x%08x)\n", channel_name(ch), ch->relid, status);
        ch->gpadl = 0;
        ch->state = CH_FAILED;
        return;
    }
    send_open(ch);
}

static void on_open_result(const uint8_t *m)
{
    struct vmbus_channel *ch = find_relid(rd32(m + 8));
    if (!ch || ch->state != CH_OPENING) {
        vmbus.malformed++;
        return;
    }
    ch->open_status = rd32(m + 16);
    if (ch->open_status) {
        kprintf("vmbus: %s (relid %u): open refused (status 0x%08x)\n", channel_name(ch), ch->relid, ch->open_status);
        ch->state = CH_FAILED;
        teardown_gpadl(ch);
        return;
    }
    ch->state = CH_OPEN;
    if (vmbus.booted)
        kprintf("vmbus: open: %s (relid %u, connection %u)\n", channel_name(ch), ch->relid, ch->connection_id);
    if (ch->kind >= 0)
        ic_channel_opened(ch->kind);
    ring_drain(ch);         /* anything the host wrote before we looked */
}

static void on_gpadl_torndown(const uint8_t *m)
{
    uint32_t gpadl = rd32(m + 8);
    for (int i = 0; i < MAX_CHANNELS; i++) {
        struct vmbus_channel *ch = &channels[i];
        if (ch->gpadl == gpadl && (ch->state == CH_TEARDOWN || ch->state == CH_FAILED)) {
            ch->gpadl = 0;
            if (ch->state == CH_TEARDOWN)
                ch->state = CH_FREE;
            return;
        }
    }
}

void vmbus_on_message(const uint8_t *m, uint32_t size)
{
    uint32_t type;
    static const uint8_t min_size[18] = {
        0, OFFER_SIZE, 12, 8, 8, 148, 20, 12, 20, 16, 20, 16, 12, 12, 40, 9, 8, 8,
    };

    vmbus.messages_in++;
    if (size < 8) {
        vmbus.malformed++;
        return;
    }
    type = rd32(m);
    if (type == 0 || type >= 18) {
        vmbus.unknown++;
        return;
    }
    if (size < min_size[type]) {
        vmbus.malformed++;
        return;
    }
    switch (type) {
    case MSG_VERSION_RESPONSE:
        if (vmbus.state != 1)
            break;
        vmbus.supported = m[8];
        vmbus.connection_state = m[9];
        vmbus.response_conn_id = size >= 16 ? rd32(m + 12) : 0;
        vmbus.response = 1;
        break;
    case MSG_OFFERCHANNEL:
        if (vmbus.state == 2)
            on_offer(m);
        break;
    case MSG_ALLOFFERS_DELIVERED:
        vmbus.all_offers = 1;
        break;
    case MSG_RESCIND_CHANNELOFFER:
        on_rescind(m);
        break;
    case MSG_GPADL_CREATED:
        on_gpadl_created(m);
        break;
    case MSG_OPENCHANNEL_RESULT:
        on_open_result(m);
        break;
    case MSG_GPADL_TORNDOWN:
        on_gpadl_torndown(m);
        break;
    case MSG_UNLOAD_RESPONSE:
        break;
    default:                /* messages only the guest sends */
        vmbus.unknown++;
        break;
    }
}

/* SINT2 fired: each set flag in the SIEFP's slot 2 is a channel's relid. */
void vmbus_on_events(void)
{
    volatile uint32_t *flags = (volatile uint32_t *)hv_event_flags(VMBUS_MESSAGE_SINT);
    if (vmbus.state != 2)
        return;
    for (unsigned word = 0; word < 2048 / 32; word++) {
        uint32_t bits;
        if (!flags[word])
            continue;
        bits = xchg32(&flags[word], 0);
        for (unsigned b = 0; b < 32; b++) {
            if (!(bits & (1u << b)))
                continue;
            struct vmbus_channel *ch = find_relid(word * 32 + b);
            hv.events++;
            if (ch) {
                ch->events_in++;
                ring_drain(ch);
            }
        }
    }
}

/* For waits and idling: drain every open channel whether signalled or not. */
void vmbus_poll_rings(void)
{
    if (vmbus.state != 2)
        return;
    for (int i = 0; i < MAX_CHANNELS; i++)
        if (channels[i].state == CH_OPEN)
            ring_drain(&channels[i]);
}

static int got_response(void) { return vmbus.response; }
static int got_all_offers(void) { return vmbus.all_offers; }
static int opens_settled(void)
{
    for (int i = 0; i < MAX_CHANNELS; i++)
        if (channels[i].state == CH_GPADL || channels[i].state == CH_OPENING)
            return 0;
    return 1;
}

static void version_text(char *buf, uint32_t v)
{
    snprintf(buf, 12, "%u.%u", v >> 16, v & 0xFFFF);
}

void vmbus_init(void)
{
    char vt[12];
    unsigned i;
    int failed;

    vmbus.next_gpadl = 0xE1E10;
    for (i = 0; i < MAX_CHANNELS; i++)
        channels[i].state = CH_FREE;
    if (!hv.hyperv) {
        vmbus.unavailable = "no Hyper-V";
        return;
    }
    if (!hv_can_post()) {
        vmbus.unavailable = !hv.synic_enabled ? "no SynIC" : !hv.hypercall_enabled ? "no hypercall page"
                          : "no PostMessage privilege";
        kprintf("vmbus: unavailable (%s)\n", vmbus.unavailable);
        return;
    }

    for (i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        uint32_t v = versions[i], conn, flags;
        uint16_t status;

        /* out_msg is also what the SINT handler builds its messages in. */
        flags = irq_save();
        begin_msg(MSG_INITIATE_CONTACT, 40);
        wr32(out_msg + 8, v);
        wr32(out_msg + 12, 0);                  /* target VP 0 */
        if (v >= VERSION_WIN10_V5) {
            out_msg[16] = VMBUS_MESSAGE_SINT;   /* msg_sint; msg_vtl 0; feature_flags 0 */
            conn = VMBUS_MESSAGE_CONNECTION_ID_4;
        } else {
            wr64(out_msg + 16, (uint32_t)int_page);
            conn = VMBUS_MESSAGE_CONNECTION_ID;
        }
        wr64(out_msg + 24, (uint32_t)monitor_pages[0]);
        wr64(out_msg + 32, (uint32_t)monitor_pages[1]);
        vmbus.state = 1;
        vmbus.response = 0;
        status = hv_post_message(conn, VMBUS_MESSAGE_TYPE, out_msg, 40);
        irq_restore(flags);
        if (status != HV_STATUS_SUCCESS) {
            vmbus.post_failures++;
            vmbus.last_post_status = status;
            continue;                           /* as Linux: try the next version */
        }
        vmbus.messages_out++;
        if (!wait_until(got_response, 5000)) {
            version_text(vt, v);
            kprintf("vmbus: no VERSION_RESPONSE to INITIATE_CONTACT %s within 5 s\n", vt);
            break;
        }
        if (vmbus.supported) {
            vmbus.version = v;
            vmbus.msg_conn_id = v >= VERSION_WIN10_V5 ? vmbus.response_conn_id : VMBUS_MESSAGE_CONNECTION_ID;
            vmbus.state = 2;
            break;
        }
    }
    if (vmbus.state != 2) {
        vmbus.state = 3;
        vmbus.unavailable = vmbus.response ? "the host supports none of our versions"
                          : vmbus.post_failures ? "INITIATE_CONTACT not accepted" : "no answer from the host";
        if (vmbus.post_failures && !vmbus.response)
            kprintf("vmbus: unavailable (PostMessage failed with HV_STATUS 0x%04x)\n", vmbus.last_post_status);
        else
            kprintf("vmbus: unavailable (%s)\n", vmbus.unavailable);
        return;
    }

    {
        uint32_t flags = irq_save();
        begin_msg(MSG_REQUESTOFFERS, 8);
        failed = post(8);
        irq_restore(flags);
    }
    if (failed) {
        kprintf("vmbus: REQUESTOFFERS failed (HV_STATUS 0x%04x)\n", vmbus.last_post_status);
    } else {
        if (!wait_until(got_all_offers, 5000))
            kprintf("vmbus: no ALLOFFERS_DELIVERED within 5 s; going on with what came\n");
        if (!wait_until(opens_settled, 5000))
            kprintf("vmbus: some channels did not finish opening within 5 s\n");
    }
    vmbus.booted = 1;
    version_text(vt, vmbus.version);
    kprintf("vmbus: connected, version %s, %d channels open\n", vt, open_count());
}

void cmd_vmbus(void)
{
    char vt[12];
    int any = 0;

    if (vmbus.state != 2) {
        kprintf("vmbus: not connected (%s)\n", vmbus.unavailable ? vmbus.unavailable : "not started");
        if (vmbus.post_failures)
            kprintf("  %u PostMessage failures, last HV_STATUS 0x%04x\n", vmbus.post_failures, vmbus.last_post_status);
        return;
    }
    version_text(vt, vmbus.version);
    kprintf("version %s, message connection id %u, %u messages in, %u out", vt, vmbus.msg_conn_id,
            vmbus.messages_in, vmbus.messages_out);
    if (vmbus.malformed || vmbus.unknown || vmbus.post_failures)
        kprintf(" (%u malformed, %u unknown, %u failed posts)", vmbus.malformed, vmbus.unknown, vmbus.post_failures);
    kprintf("\n");
    for (int i = 0; i < MAX_CHANNELS; i++) {
        struct vmbus_channel *ch = &channels[i];
        if (ch->state == CH_FREE)
            continue;
        any = 1;
        kprintf("%-24s relid %-3u conn %-4u %-10s in %u pkts/%u B, out %u pkts/%u B, %u signals, %u events",
                channel_name(ch), ch->relid, ch->connection_id, state_names[ch->state],
                ch->packets_in, ch->bytes_in, ch->packets_out, ch->bytes_out, ch->signals_out, ch->events_in);
        if (ch->broken)
            kprintf(" [broken: %s]", ch->broken_why);
        if (ch->dropped_in || ch->full_out)
            kprintf(" [%u dropped, %u ring-full]", ch->dropped_in, ch->full_out);
        kprintf("\n");
        if (ch->kind < 0) {
            kprintf("  type ");
            print_guid(ch->type);
            kprintf("\n");
        } else if (ch->state == CH_OPEN) {
            ic_status(ch->kind);
        }
    }
    if (!any)
        kprintf("no channels\n");
}

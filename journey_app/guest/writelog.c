/* The guest's write log, natively: a Unicorn UC_HOOK_MEM_WRITE callback that records every guest store
 * (EIP, address, size, the bytes it replaces, the bytes it stores) without calling into Python.
 *
 * Why C: boot.c's code writes its stack on most instructions, and a Python hook per store made a long
 * native run through C ~50x slower than through the assembler (issue 14). The log is what the trace's
 * mem_write events, Machine.run's rewind and the dirty-page bookkeeping are made of, so it must see
 * every store; the Python fallback in writelog.py records the same thing, field for field.
 *
 * It also counts instructions (wl_on_code), a hint that spares Machine.run most of its bisection.
 *
 * The struct below is mirrored by `_Log` in writelog.py (ctypes): change both together.
 * Compiled for the host by writelog.py (cc -O2 -shared -fPIC), loaded with ctypes; nothing links
 * against libunicorn: uc_reg_read comes in as a function pointer from the binding's own library.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SHIFT 12

typedef int (*reg_read_fn)(void *uc, int regid, void *value);

struct record {                 /* 32 bytes: "<IIIIQQ" in writelog.py */
    uint32_t eip, address, size, reserved;
    uint64_t old, new_value;
};

struct writelog {
    uint8_t *ram;               /* the guest RAM buffer: both aliases (0 and PAGE_OFFSET) map it */
    uint64_t ram_size;
    uint64_t page_offset;
    reg_read_fn reg_read;       /* uc_reg_read */
    int32_t eip_id;             /* UC_X86_REG_EIP */
    int32_t failed;             /* 1: a store wider than 8 bytes, 2: out of memory (the log is incomplete) */
    struct record *records;     /* malloc'd here, grown by doubling */
    uint64_t count, capacity;
    uint8_t *seen;              /* one byte a RAM page: stored to since the last wl_take_pages */
    const uint8_t *exec;        /* one byte a RAM page: 1 for pages of executable sections */
    uint32_t *pages;            /* the pages of `seen`, in first-store order */
    uint64_t npages;
    uint64_t insns;             /* UC_HOOK_CODE calls since Python zeroed it: Machine.run's hint */
    uint64_t dropped;           /* records wl_compact let go since the last wl_clear (counted, not kept) */
};

static void note_page(struct writelog *wl, uint64_t page)
{
    if (!wl->seen[page]) {
        wl->seen[page] = 1;
        wl->pages[wl->npages++] = (uint32_t)page;
    }
}

/* to_phys() in memory.py: RAM is mapped at VA = PA and at VA = PA + PAGE_OFFSET; stores elsewhere
 * never reach RAM (Unicorn faults them) and are not logged. */
static int to_phys(const struct writelog *wl, uint64_t address, uint64_t *phys)
{
    if (address >= wl->page_offset && address - wl->page_offset < wl->ram_size) {
        *phys = address - wl->page_offset;
        return 1;
    }
    if (address < wl->ram_size) {
        *phys = address;
        return 1;
    }
    return 0;
}

/* Called by Unicorn before the store happens, so the RAM still holds the old bytes. */
void wl_on_write(void *uc, int type, uint64_t address, int size, int64_t value, void *user)
{
    struct writelog *wl = user;
    uint64_t phys, old = 0, eip = 0;
    (void)type;
    if (!to_phys(wl, address, &phys) || size <= 0 || phys + (uint64_t)size > wl->ram_size)
        return;
    if (size > 8) {             /* TCG splits wider stores into 8-byte ones: not expected */
        wl->failed = 1;
        return;
    }
    if (wl->count == wl->capacity) {
        uint64_t capacity = wl->capacity ? wl->capacity * 2 : 4096;
        struct record *more = realloc(wl->records, capacity * sizeof *more);
        if (more == NULL) {
            wl->failed = 2;
            return;
        }
        wl->records = more;
        wl->capacity = capacity;
    }
    memcpy(&old, wl->ram + phys, (size_t)size);        /* little-endian host, as the guest */
    wl->reg_read(uc, wl->eip_id, &eip);
    struct record *r = &wl->records[wl->count++];
    r->eip = (uint32_t)eip;
    r->address = (uint32_t)address;
    r->size = (uint32_t)size;
    r->reserved = 0;
    r->old = old;
    r->new_value = size == 8 ? (uint64_t)value : (uint64_t)value & ((UINT64_C(1) << (8 * size)) - 1);
    note_page(wl, phys >> PAGE_SHIFT);
    note_page(wl, (phys + (uint64_t)size - 1) >> PAGE_SHIFT);
}

/* A UC_HOOK_CODE callback: count the instructions a run began. Only a hint for where a run that ended
 * early stopped (whether Unicorn calls code hooks for an instruction that faults while it is fetched or
 * decoded is its business): Machine.run checks it by re-running, so the count it reports never rests on it. */
void wl_on_code(void *uc, uint64_t address, uint32_t size, void *user)
{
    (void)uc;
    (void)address;
    (void)size;
    ((struct writelog *)user)->insns++;
}

/* Put back the old bytes of records [keep, count), newest first; the log keeps [0, keep). */
void wl_rewind(struct writelog *wl, uint64_t keep)
{
    while (wl->count > keep) {
        const struct record *r = &wl->records[--wl->count];
        uint64_t phys;
        if (to_phys(wl, r->address, &phys))
            memcpy(wl->ram + phys, &r->old, r->size);
    }
}

/* 1 if any record from `first` on stored to an executable page (its translation must go). */
int wl_touches_exec(const struct writelog *wl, uint64_t first)
{
    for (uint64_t i = first; i < wl->count; i++) {
        const struct record *r = &wl->records[i];
        uint64_t phys;
        if (to_phys(wl, r->address, &phys)
            && (wl->exec[phys >> PAGE_SHIFT] || wl->exec[(phys + r->size - 1) >> PAGE_SHIFT]))
            return 1;
    }
    return 0;
}

/* Copy the pages stored to since the last call into `out` (room for every page), forget them; how many. */
uint64_t wl_take_pages(struct writelog *wl, uint32_t *out)
{
    uint64_t n = wl->npages;
    for (uint64_t i = 0; i < n; i++) {
        out[i] = wl->pages[i];
        wl->seen[wl->pages[i]] = 0;
    }
    wl->npages = 0;
    return n;
}

/* Keep the first `keep` records, count the rest as dropped (Machine.run, between slices of a long run). */
void wl_compact(struct writelog *wl, uint64_t keep)
{
    if (wl->count > keep) {
        wl->dropped += wl->count - keep;
        wl->count = keep;
    }
}

/* Empty the log; give back a buffer grown past `keep_capacity` records (a long run's). A failure belongs to
 * the run it happened in (Machine raises at once), not to the pooled machine's later runs. */
void wl_clear(struct writelog *wl, uint64_t keep_capacity)
{
    wl->count = 0;
    wl->dropped = 0;
    wl->failed = 0;
    if (wl->capacity > keep_capacity) {
        free(wl->records);
        wl->records = NULL;
        wl->capacity = 0;
    }
}

/* writelog.py checks its ctypes mirror against this before trusting the layout. */
uint64_t wl_sizeof(void)
{
    return sizeof(struct writelog);
}

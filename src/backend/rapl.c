/* Linux powercap RAPL backend: /sys/class/powercap/intel-rapl:N[:M]/{name,energy_uj,
 * max_energy_range_uj}. Package zones and dram subzones are read; core and uncore (inside the
 * package) and psys (the whole platform) are skipped so nothing is counted twice. Each zone's
 * 64-bit counter wraps at max_energy_range_uj; a decrease is treated as exactly one wrap, so
 * the handle must be read at least once per wrap period (about 15 min at 300 W for a 262 kJ
 * range). uJ are converted to J here. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/source.h"
#include "core/util.h"

#define RAPL_MAX_ZONES 64

typedef struct rapl_zone {
    int fd;                 /* energy_uj, kept open: one pread per sample */
    uint64_t max_uj;        /* max_energy_range_uj (0 = unknown: a decrease is then a reset) */
    uint64_t last_uj;
    uint64_t total_uj;      /* unwrapped energy since open */
    uint32_t wraps;
    int64_t last_ns;
    bool primed;
} rapl_zone;

typedef struct rapl_state {
    pthread_mutex_t lock;
    size_t n;
    rapl_zone z[RAPL_MAX_ZONES];
} rapl_state;

static bool read_u64_fd(int fd, uint64_t *out)
{
    char buf[32];
    ssize_t r = pread(fd, buf, sizeof buf - 1, 0);
    if (r <= 0)
        return false;
    buf[r] = '\0';
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (end == buf || errno)
        return false;
    *out = (uint64_t)v;
    return true;
}

static bool read_text(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(buf, (int)n, f) != NULL;
    fclose(f);
    if (ok)
        buf[strcspn(buf, "\r\n")] = '\0';
    return ok;
}

/* root/dir/file into out; false when it does not fit. */
static bool zone_path(char *out, size_t n, const char *root, const char *dir, const char *file)
{
    int k = snprintf(out, n, "%s/%s/%s", root, dir, file);
    return k > 0 && (size_t)k < n;
}

static lw_status rapl_read(lw_power_source *src, size_t i, lw_power_sample *out, lw_err *err)
{
    (void)err;
    rapl_state *st = src->impl;
    rapl_zone *z = &st->z[i];
    uint64_t raw;
    bool ok = read_u64_fd(z->fd, &raw);
    pthread_mutex_lock(&st->lock);
    if (ok) {
        if (z->primed) {
            uint64_t delta;
            if (raw >= z->last_uj) {
                delta = raw - z->last_uj;
            } else if (z->max_uj > z->last_uj) {
                delta = (z->max_uj - z->last_uj) + raw; /* one wrap */
                z->wraps++;
            } else {
                delta = raw; /* range unknown: counted from zero again */
                z->wraps++;
            }
            z->total_uj += delta;
            double dt = (double)(out->t_ns - z->last_ns) / 1e9;
            out->power_w = dt > 0 ? (double)delta / 1e6 / dt : NAN;
        }
        z->primed = true;
        z->last_uj = raw;
        z->last_ns = out->t_ns;
        out->energy_j = (double)z->total_uj / 1e6; /* uJ -> J */
    }
    out->counter_wraps = z->wraps;
    pthread_mutex_unlock(&st->lock);
    out->ok = ok;
    return LW_OK;
}

static void rapl_close(lw_power_source *src)
{
    rapl_state *st = src->impl;
    if (!st)
        return;
    for (size_t i = 0; i < st->n; i++)
        close(st->z[i].fd);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

static const lw_power_ops rapl_ops = {rapl_read, rapl_close};

typedef struct zone_found {
    char dir[64];   /* "intel-rapl:0:2" */
    char name[96];  /* "package-0", "package-0/dram" */
    lw_device_kind kind;
    int pkg, sub;
} zone_found;

static int cmp_zone(const void *a, const void *b)
{
    const zone_found *x = a, *y = b;
    if (x->pkg != y->pkg)
        return x->pkg < y->pkg ? -1 : 1;
    return x->sub < y->sub ? -1 : x->sub > y->sub;
}

lw_status lw_power_open_rapl(const char *root, lw_power_source **out, lw_err *err)
{
    *out = NULL;
    if (!root) {
        const char *env = getenv(LW_POWERCAP_ROOT_ENV);
        root = env && *env ? env : "/sys/class/powercap";
    }
    DIR *d = opendir(root);
    if (!d)
        return lw_fail(err, LW_ERR_NO_DEVICE, "cannot open %s: %s", root, strerror(errno));
    zone_found zones[RAPL_MAX_ZONES];
    size_t nz = 0;
    struct dirent *e;
    char path[1024], name[96];
    while ((e = readdir(d)) && nz < RAPL_MAX_ZONES) {
        int pkg, sub = -1, used = 0;
        /* intel-rapl:N or intel-rapl:N:M; "intel-rapl-mmio:*" duplicates the MSR zones. */
        if (sscanf(e->d_name, "intel-rapl:%d%n:%d%n", &pkg, &used, &sub, &used) < 1 || e->d_name[used] != '\0')
            continue;
        if (!zone_path(path, sizeof path, root, e->d_name, "name") || !read_text(path, name, sizeof name))
            continue;
        zone_found *z = &zones[nz];
        if (sub < 0 && strncmp(name, "package", 7) == 0) {
            z->kind = LW_DEVICE_CPU_PACKAGE;
            lw_strlcpy(z->name, name, sizeof z->name);
        } else if (sub >= 0 && strcmp(name, "dram") == 0) {
            z->kind = LW_DEVICE_DRAM;
            snprintf(z->name, sizeof z->name, "package-%d/dram", pkg);
        } else {
            continue; /* psys, core, uncore: overlap the package zones */
        }
        lw_strlcpy(z->dir, e->d_name, sizeof z->dir);
        z->pkg = pkg;
        z->sub = sub;
        nz++;
    }
    closedir(d);
    if (nz == 0)
        return lw_fail(err, LW_ERR_NO_DEVICE, "no intel-rapl package zone under %s", root);
    qsort(zones, nz, sizeof zones[0], cmp_zone);
    rapl_state *st = calloc(1, sizeof *st);
    if (!st)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory opening RAPL");
    pthread_mutex_init(&st->lock, NULL);
    char denied[480] = "";
    lw_device_info info[RAPL_MAX_ZONES];
    for (size_t i = 0; i < nz; i++) {
        int fd = zone_path(path, sizeof path, root, zones[i].dir, "energy_uj") ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        uint64_t probe;
        if (fd < 0 || !read_u64_fd(fd, &probe)) {
            if (!denied[0]) {
                int k = snprintf(denied, sizeof denied, "%.400s: %.60s", path, fd < 0 ? strerror(errno) : "unreadable");
                (void)k;
            }
            if (fd >= 0)
                close(fd);
            continue;
        }
        rapl_zone *z = &st->z[st->n];
        z->fd = fd;
        char txt[32];
        z->max_uj = zone_path(path, sizeof path, root, zones[i].dir, "max_energy_range_uj") && read_text(path, txt, sizeof txt)
                        ? strtoull(txt, NULL, 10)
                        : 0;
        lw_device_info *inf = &info[st->n];
        memset(inf, 0, sizeof *inf);
        inf->index = (int)st->n;
        inf->kind = zones[i].kind;
        lw_strlcpy(inf->name, zones[i].name, sizeof inf->name);
        lw_strlcpy(inf->uuid, zones[i].dir, sizeof inf->uuid);
        lw_strlcpy(inf->driver, "powercap", sizeof inf->driver);
        inf->power_limit_w = zone_path(path, sizeof path, root, zones[i].dir, "constraint_0_power_limit_uw") && read_text(path, txt, sizeof txt)
                                 ? strtod(txt, NULL) / 1e6
                                 : NAN;
        inf->has_energy_counter = true;
        inf->has_power = true;
        st->n++;
    }
    if (st->n == 0) {
        pthread_mutex_destroy(&st->lock);
        free(st);
        return lw_fail(err, LW_ERR_NO_DEVICE, "no readable RAPL energy_uj (%s; root-only since Linux 5.10)", denied);
    }
    lw_power_source *src = lw_power_source_new(LW_SOURCE_RAPL, &rapl_ops, st->n);
    if (!src) {
        for (size_t i = 0; i < st->n; i++)
            close(st->z[i].fd);
        pthread_mutex_destroy(&st->lock);
        free(st);
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory opening RAPL");
    }
    memcpy(src->info, info, st->n * sizeof info[0]);
    src->impl = st;
    *out = src;
    return LW_OK;
}

#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

lw_status lw_fail(lw_err *err, lw_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->opaque_, sizeof err->opaque_, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

lw_status lw_check_version(const char *what, const char *init, unsigned int version, unsigned int known, lw_err *err)
{
    if (version == 0)
        return lw_fail(err, LW_ERR_INVALID_ARGUMENT, "%s has version 0: start it from %s", what, init);
    if (version > known)
        return lw_fail(err, LW_ERR_VERSION, "%s version %u is newer than this libllmwatt %s (knows %u): use the library "
                       "the program was built with", what, version, lw_version(), known);
    return LW_OK;
}

lw_status lw_err_set(lw_err *err, lw_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->opaque_, sizeof err->opaque_, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

const char *lw_err_message(const lw_err *err)
{
    if (!err)
        return "";
    return memchr(err->opaque_, '\0', sizeof err->opaque_) ? err->opaque_ : "";
}

void lw_strlcpy(char *dst, const char *src, size_t n)
{
    if (n == 0)
        return;
    size_t len = strlen(src);
    if (len >= n)
        len = n - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

bool lw_streq_ci(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

int lw_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 127)
        la = 127;
    if (lb > 127)
        lb = 127;
    int prev[128], cur[128];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb] > 255 ? 255 : prev[lb];
}

bool lw_parse_number(const char *s, double *out)
{
    if (!s)
        return false;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0')
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno == ERANGE || strcspn(s, "xXiInN") < (size_t)(end - s))
        return false; /* decimal only: not hexadecimal ("0x10"), inf or nan */
    while (isspace((unsigned char)*end))
        end++;
    if (*end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static void cap_text(size_t cap, char *out, size_t n)
{
    if (cap >= ((size_t)1 << 20) && cap % ((size_t)1 << 20) == 0)
        snprintf(out, n, "%zu MiB", cap >> 20);
    else if (cap >= 1024 && cap % 1024 == 0)
        snprintf(out, n, "%zu KiB", cap >> 10);
    else
        snprintf(out, n, "%zu bytes", cap);
}

static lw_status too_big(lw_err *err, const char *path, const char *what, size_t cap)
{
    char c[32];
    cap_text(cap, c, sizeof c);
    return lw_fail(err, LW_ERR_IO, "'%s' is larger than the %s limit for %s: give a smaller file", path, c, what);
}

lw_status lw_file_read_capped(const char *path, size_t cap, const char *what, char **out, size_t *len, lw_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return lw_fail(err, LW_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || S_ISDIR(sb.st_mode)) {
        close(fd);
        return lw_fail(err, LW_ERR_IO, "cannot read '%s': it is a directory, give a file", path);
    }
    /* A regular file is sized up front; a pipe or device is read until end or until one byte past the cap. */
    bool regular = S_ISREG(sb.st_mode);
    if (regular && (uintmax_t)sb.st_size > (uintmax_t)cap) {
        close(fd);
        return too_big(err, path, what, cap);
    }
    size_t size = regular ? (size_t)sb.st_size + 1 : 65536;
    if (size > cap + 1)
        size = cap + 1;
    char *buf = malloc(size + 1);
    size_t n = 0;
    lw_status st = LW_OK;
    while (buf) {
        if (n == size) {
            if (size > cap)
                break;
            size_t grow = size > cap / 2 ? cap + 1 : size * 2;
            char *nb = realloc(buf, grow + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            size = grow;
        }
        ssize_t r = read(fd, buf + n, size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = lw_fail(err, LW_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!buf)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory reading '%s'", path);
    if (st == LW_OK && n > cap)
        st = too_big(err, path, what, cap);
    if (st != LW_OK) {
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return LW_OK;
}

lw_status lw_file_read(const char *path, char **out, size_t *len, lw_err *err)
{
    return lw_file_read_capped(path, LW_CAP_DEFAULT_BYTES, "an input file", out, len, err);
}

lw_status lw_file_write_atomic(const char *path, const char *data, size_t len, lw_err *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return lw_fail(err, LW_ERR_NO_MEMORY, "out of memory writing '%s'", path);
    snprintf(tmp, plen + 16, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        lw_status st = lw_fail(err, LW_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
        free(tmp);
        return st;
    }
    size_t w = fwrite(data, 1, len, f);
    int closed = fclose(f);
    if (w != len || closed != 0 || rename(tmp, path) != 0) {
        lw_status st = lw_fail(err, LW_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return st;
    }
    free(tmp);
    return LW_OK;
}

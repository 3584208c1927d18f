/* HTTP requests to llmwatt serve's handler (cli/serve_http.c on libmicrohttpd): each input is
 * sent as the whole byte stream of one loopback connection, then the client half-closes and reads
 * the answer. The server must answer or close, never crash; it keeps running across inputs. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "fuzz_util.h"
#include "llmwatt/llmwatt.h"
#include "serve.h"

static int port;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    lw_exporter_config cfg = lw_exporter_config_default();
    lw_exporter *e;
    serve_http *h;
    char url[128];
    serve_http_config hc = {"127.0.0.1:0", NULL, 2, 64};
    if (lw_exporter_new(&cfg, &e, NULL) != LW_OK || serve_http_bind(&hc, &h, url, sizeof url) != 0 ||
        serve_http_start(h, e) != 0)
        abort();
    const char *colon = strrchr(url, ':');
    port = colon ? atoi(colon + 1) : 0;
    return 0; /* the server lives until the process ends */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct linger lg = {1, 0}; /* reset on close: no TIME_WAIT pile-up over millions of inputs */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0 ||
        connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        abort();
    size_t off = 0;
    while (off < size) {
        ssize_t w = send(fd, data + off, size - off, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server may close early (413, 400) */
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    /* until the server closes, or 20 ms after its answer stops (a kept-alive HTTP/1.1 connection
     * stays open after the answer although the client half-closed; a request still waiting for
     * bytes gets 250 ms) */
    char buf[65536];
    struct pollfd p = {fd, POLLIN, 0};
    bool answered = false;
    while (poll(&p, 1, answered ? 20 : 250) == 1 && recv(fd, buf, sizeof buf, 0) > 0)
        answered = true;
    close(fd);
    return 0;
}

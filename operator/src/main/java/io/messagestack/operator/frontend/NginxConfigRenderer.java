package io.messagestack.operator.frontend;

import io.messagestack.operator.common.Scrape;

/**
 * nginx.conf: serves the page and proxies /api/ to message-api. Failures are cheap for the user: short connect
 * timeouts, a failed upstream is skipped for a few seconds (max_fails), and a request that is safe to retry is retried
 * on another connection: idempotent methods always, a create (POST) always, as it carries a key: the client's
 * Idempotency-Key, or else nginx's id of the request in {@link #EDGE_REQUEST_ID_HEADER}, which message-api stores as
 * the create's key, so a second delivery finds the first one's row and creates nothing. PATCH without a key that
 * reached a backend is never sent twice.
 */
public final class NginxConfigRenderer {
    public static final String PAGE_DIR = "/usr/share/messagestack/page";
    /**
     * The metrics port in-cluster scrapers read (never the public one): nginx answers {@link #METRICS_PATH} from
     * private source addresses only, by passing the request to the exporter sidecar's socket. nginx does the source
     * check because the exporter has none and the pod may run on the host network.
     */
    public static final int METRICS_PORT = 8081;
    public static final String METRICS_PATH = "/metrics";
    /**
     * Pod-internal unix sockets in the shared scratch volume (no TCP port, so nothing outside the pod, not even the
     * node on the host network, can reach them): nginx's stub_status (connections and requests as text) for the
     * exporter, and the exporter's Prometheus text for nginx's metrics port.
     */
    public static final String SOCKET_DIR = "/tmp/nginx-metrics";
    public static final String STUB_STATUS_SOCKET = "stub_status.sock";
    public static final String STUB_STATUS_PATH = "/stub_status";
    public static final String EXPORTER_SOCKET = "exporter.sock";
    /**
     * Request and upstream metrics (docs/observability.md): nginx writes each counted request's line in the
     * {@link #METRICS_LOG_FORMAT} format to {@link #REQUEST_LOG} in the socket folder, where the request-metrics
     * sidecar (Debian's mtail, program nginx-requests.mtail) tails it; mtail answers Prometheus text on
     * {@link #REQUEST_METRICS_SOCKET}, which the metrics port serves at {@link #REQUEST_METRICS_PATH}. A regular file,
     * not a socket or pipe: a write never waits for the reader, and a missing or stopped mtail costs nginx nothing
     * (mtail 3.0.0~rc50 reads one datagram per 250 ms poll from a syslog socket, which dropped 99% of the lines at
     * 800 requests/s). nginx-start.sh empties the file when it passes {@link #REQUEST_LOG_MAX_BYTES}.
     */
    public static final String REQUEST_LOG = "requests.log";
    public static final long REQUEST_LOG_MAX_BYTES = 4L * 1024 * 1024;
    public static final String REQUEST_METRICS_SOCKET = "mtail.sock";
    public static final String REQUEST_METRICS_PATH = "/metrics/requests";
    public static final String METRICS_LOG_FORMAT = "metrics";

    private NginxConfigRenderer() {
    }

    /**
     * nginx's id of one client request ($request_id, the same on every try of it), sent with every API request:
     * message-api stores a create without an Idempotency-Key under it (its IdempotencyKeys.EDGE_HEADER).
     */
    public static final String EDGE_REQUEST_ID_HEADER = "X-Edge-Request-Id";

    /** The upstream servers of message-api, written by nginx-start.sh. */
    public static final String UPSTREAM_FILE = "/tmp/nginx-upstream/message-api.conf";

    /** @param listenPort the port nginx listens on */
    public static String render(int listenPort) {
        return render(listenPort, METRICS_PORT, SOCKET_DIR);
    }

    /**
     * @param listenPort  the public port
     * @param metricsPort the internal port in-cluster scrapers read
     * @param socketDir   where the stub_status and exporter sockets are
     */
    public static String render(int listenPort, int metricsPort, String socketDir) {
        StringBuilder allow = new StringBuilder();
        for (String source : Scrape.PRIVATE_SOURCES) {
            allow.append("allow ").append(source).append("; ");
        }
        return """
                # Rendered by the MessageStack operator; edits are overwritten.
                worker_processes auto;
                pid /tmp/nginx.pid;
                error_log /dev/stderr warn;

                events {
                    worker_connections 1024;
                }

                http {
                    include /etc/nginx/mime.types;
                    default_type application/octet-stream;
                    log_format main '$remote_addr "$request" status=$status upstream=$upstream_addr upstream_status=$upstream_status time=$request_time';
                    access_log /dev/stdout main;
                    # The request-metrics sidecar's input: one line per request; bounded fields only (a location class,
                    # never the URI; no address). A location or server with access_log off (the probes' /healthz,
                    # stub_status, the metrics port) is not counted.
                    # Which /api/ requests nginx may send again after a try that reached a pod (reset, timeout, 502-504):
                    # those with a client key, and creates (POST), which carry nginx's request id as their key.
                    map "$request_method:$http_idempotency_key" $api_keyed {
                        "~^POST:" 1;
                        "~^[A-Z]+:.+" 1;
                        default 0;
                    }
                    map $uri $metrics_location {
                        ~^/api/ api;
                        default page;
                    }
                    log_format %12$s 'location=$metrics_location status=$status upstream_status=$upstream_status upstream_time=$upstream_response_time';
                    access_log %4$s/%11$s %12$s;
                    client_body_temp_path /tmp/nginx-client-body;
                    proxy_temp_path /tmp/nginx-proxy;
                    fastcgi_temp_path /tmp/nginx-fastcgi;
                    uwsgi_temp_path /tmp/nginx-uwsgi;
                    scgi_temp_path /tmp/nginx-scgi;
                    sendfile on;
                    keepalive_timeout 30s;
                    server_tokens off;

                    # The servers come from the pod's start script (nginx-start.sh): the ready message-api pods, each
                    # skipped for 5 s after a failed try, then the Service as the last resort. Each try opens a new
                    # connection (no upstream keep-alive: a kept connection stays pinned to one pod and outlives it when
                    # that pod is deleted), and a retry goes to another pod.
                    upstream message_api {
                        include %1$s;
                    }

                    server {
                        listen %2$d;
                        server_name _;
                        # No kept-alive client connections: a reload (the start script's, when the API pods change)
                        # closes the old workers' idle connections at once, and a request a client sends on one at
                        # that moment gets no answer, which for a POST without a key is a failed request (3 to 5 per
                        # drain in chaos/notes/drain-node.md). Debian's nginx 1.22 cannot change an upstream without
                        # a reload; with one request per connection the listening socket, shared by old and new
                        # workers, takes every request, and a request in flight finishes on its old worker.
                        keepalive_timeout 0;

                        # For both /api/ locations.
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        # nginx is the stack's edge: the forwarding headers message-api trusts for the item url
                        # are set here, from the connection, and any a client sent is replaced or dropped (an
                        # empty value removes the header), so nobody can make the API hand out links elsewhere.
                        proxy_set_header Host $http_host;
                        proxy_set_header X-Forwarded-Host $http_host;
                        proxy_set_header X-Forwarded-Proto $scheme;
                        proxy_set_header X-Forwarded-For $remote_addr;
                        proxy_set_header X-Forwarded-Port "";
                        proxy_set_header X-Forwarded-Prefix "";
                        proxy_set_header X-Forwarded-Server "";
                        proxy_set_header X-Forwarded-Ssl "";
                        proxy_set_header Forwarded "";
                        # Replaced like the headers above: only nginx names a request.
                        proxy_set_header %15$s $request_id;
                        # A pod on a stopped node never answers; after 1 s (the SYN's first retransmit) a new
                        # connection, likely to another pod, is tried. Not shorter: on the busy 2-core lab every new
                        # connection waits for the NetworkPolicy controller's verdict, and 0.5 s made all three tries
                        # time out (504) while the API pods were fine (pod-kill-frontend-force, 20:15 UTC).
                        proxy_connect_timeout 1s;
                        # A pod that dies holding a request (its node stopped) never answers: TCP keep-alive, with the
                        # pod's short probe timers (UpstreamKeepalive: about 3 s), ends the wait so the request can
                        # go to another pod instead of waiting out the read timeout below.
                        proxy_socket_keepalive on;
                        proxy_send_timeout 10s;
                        # Above the API's 9 s retry budget plus its one key lookup past it (1 s), so a
                        # request that outlives a Galera view change gets the API's own answer.
                        proxy_read_timeout 12s;
                        proxy_next_upstream_tries 3;
                        proxy_next_upstream_timeout 12s;

                        location = /healthz {
                            access_log off;
                            default_type text/plain;
                            return 200 "ok\n";
                        }

                        location /api/ {
                            # A request with a key (see $api_keyed) goes to @api_keyed (error_page only catches nginx's
                            # own 418, never an upstream answer).
                            error_page 418 = @api_keyed;
                            if ($api_keyed) {
                                return 418;
                            }
                            proxy_pass http://message_api;
                            # Retry on connection errors, timeouts and gateway errors; POST/PATCH are retried only if
                            # they never reached a backend (nginx default without non_idempotent).
                            proxy_next_upstream error timeout http_502 http_503 http_504;
                        }

                        # Keyed requests: the API deduplicates a repeated key (the client's or, for a create without
                        # one, nginx's request id), so even a POST that reached a backend (which then closed the
                        # connection, timed out or answered 502/503/504) may go to the next one.
                        location @api_keyed {
                            proxy_pass http://message_api;
                            proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;
                        }

                        location / {
                            root %3$s;
                            index index.html;
                            try_files $uri $uri/ /index.html;
                            add_header Cache-Control "no-cache";
                        }
                    }

                    # Pod-internal: connection and request counters for the exporter sidecar, on a unix socket only.
                    server {
                        listen unix:%4$s/%9$s;
                        server_name _;
                        access_log off;

                        location = %5$s {
                            stub_status;
                        }

                        location / {
                            return 404;
                        }
                    }

                    # Internal: the exporter's metrics for in-cluster scrapers (docs/observability.md). Not the public
                    # port, in no Service; private source addresses only (nginx may run on the host network).
                    server {
                        listen %6$d;
                        server_name _;
                        access_log off;

                        location = %7$s {
                            %8$sdeny all;
                            proxy_pass http://unix:%4$s/%10$s:%7$s;
                            proxy_connect_timeout 1s;
                            proxy_read_timeout 10s;
                        }

                        # Requests, upstream tries and retries, from the request-metrics sidecar (mtail).
                        location = %14$s {
                            %8$sdeny all;
                            proxy_pass http://unix:%4$s/%13$s:%7$s;
                            proxy_connect_timeout 1s;
                            proxy_read_timeout 10s;
                        }

                        location / {
                            return 404;
                        }
                    }
                }
                """.formatted(UPSTREAM_FILE, listenPort, PAGE_DIR, socketDir, STUB_STATUS_PATH, metricsPort, METRICS_PATH,
                allow, STUB_STATUS_SOCKET, EXPORTER_SOCKET, REQUEST_LOG, METRICS_LOG_FORMAT,
                REQUEST_METRICS_SOCKET, REQUEST_METRICS_PATH, EDGE_REQUEST_ID_HEADER);
    }
}

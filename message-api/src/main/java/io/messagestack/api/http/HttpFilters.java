package io.messagestack.api.http;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * Filters in front of every route (API, health, metrics):
 * X-Served-By on every response, so a person or a test can see which instance answered; and
 * a request body size limit answered with problem+json before the body is read.
 */
@ApplicationScoped
public class HttpFilters {

    public static final String SERVED_BY = "X-Served-By";

    private final InstanceName instance;
    private final long maxBodyBytes;

    HttpFilters(InstanceName instance,
            @ConfigProperty(name = "messagestack.max-body-size", defaultValue = "65536") long maxBodyBytes) {
        this.instance = instance;
        this.maxBodyBytes = maxBodyBytes;
    }

    void register(@Observes Filters filters) {
        filters.register(this::servedBy, 200);
        filters.register(this::bodySizeLimit, 190);
    }

    private void servedBy(RoutingContext rc) {
        rc.response().putHeader(SERVED_BY, instance.get());
        rc.next();
    }

    private void bodySizeLimit(RoutingContext rc) {
        String length = rc.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && rc.request().method() != HttpMethod.GET && exceeds(length)) {
            String detail = "the request body is larger than " + maxBodyBytes + " bytes";
            rc.response().setStatusCode(413)
                    .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .putHeader(HttpHeaders.CONNECTION, "close")
                    .end("{\"type\":\"about:blank\",\"title\":\"Payload Too Large\",\"status\":413,\"detail\":\""
                            + detail + "\",\"instance\":\"" + jsonEscape(rc.request().path()) + "\"}");
            return;
        }
        rc.next();
    }

    private boolean exceeds(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return false; // Vert.x itself rejects a malformed Content-Length
        }
    }

    static String jsonEscape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}

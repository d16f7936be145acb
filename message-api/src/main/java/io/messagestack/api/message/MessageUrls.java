package io.messagestack.api.message;

import java.net.URI;

/** Absolute item URLs, built from the request's base URI (X-Forwarded-* applied by Quarkus). */
public record MessageUrls(URI baseUri) {

    public String of(long pk) {
        String base = baseUri.toString();
        return base + (base.endsWith("/") ? "" : "/") + "api/messages/" + pk + "/";
    }
}

package io.messagestack.operator.common;

import io.messagestack.operator.crd.Engine;

import java.util.Map;

/**
 * Default images. Each can be replaced by env MESSAGESTACK_IMAGE_&lt;NAME&gt; on the operator, which is how the
 * kind install points them at locally built tags; a non-empty image in the spec wins over both.
 */
public final class Images {
    public static final String PERCONA_XTRADB_CLUSTER = "PERCONA_XTRADB_CLUSTER";
    public static final String MARIADB_GALERA = "MARIADB_GALERA";
    public static final String GALERA_AGENT = "GALERA_AGENT";
    public static final String HAPROXY = "HAPROXY";
    public static final String MESSAGE_API = "MESSAGE_API";
    public static final String NGINX = "NGINX";
    public static final String KEEPALIVED = "KEEPALIVED";

    private static final Map<String, String> PUBLIC_DEFAULTS = Map.of(
            PERCONA_XTRADB_CLUSTER, "percona/percona-xtradb-cluster:8.0",
            MARIADB_GALERA, "mariadb:10.11",
            GALERA_AGENT, "messagestack/galera-agent:dev",
            HAPROXY, "haproxy:2.8",
            MESSAGE_API, "messagestack/message-api:dev",
            NGINX, "nginx:1.27",
            KEEPALIVED, "messagestack/keepalived:dev");

    private final Map<String, String> env;

    public Images(Map<String, String> env) {
        this.env = env;
    }

    public static Images fromEnvironment() {
        return new Images(System.getenv());
    }

    public String defaultImage(String name) {
        String fromEnv = env.get("MESSAGESTACK_IMAGE_" + name);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        String image = PUBLIC_DEFAULTS.get(name);
        if (image == null) {
            throw new IllegalArgumentException("no default image named " + name);
        }
        return image;
    }

    /** The spec's image if set, else the default. */
    public String resolve(String specImage, String name) {
        return specImage != null && !specImage.isBlank() ? specImage.trim() : defaultImage(name);
    }

    /** Env on the operator that lets stacks choose the keepalived image (off unless set to "true"). */
    public static final String ALLOW_VIP_IMAGE_OVERRIDE = "MESSAGESTACK_ALLOW_VIP_IMAGE_OVERRIDE";

    /**
     * Whether a stack's spec.vip.image is honoured. keepalived runs with the host network and NET_ADMIN, so by default
     * only the person who installs the operator chooses its image, not whoever may write a MessageStack.
     */
    public boolean vipImageOverrideAllowed() {
        return "true".equalsIgnoreCase(env.getOrDefault(ALLOW_VIP_IMAGE_OVERRIDE, "").trim());
    }

    public String database(Engine engine, String specImage) {
        return resolve(specImage, engine == Engine.MARIADB_GALERA ? MARIADB_GALERA : PERCONA_XTRADB_CLUSTER);
    }
}

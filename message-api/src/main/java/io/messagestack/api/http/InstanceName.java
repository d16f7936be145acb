package io.messagestack.api.http;

import java.net.InetAddress;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The name this instance puts in X-Served-By: messagestack.instance-name if set (two local
 * instances on one host need different names), else $HOSTNAME (the pod name on Kubernetes),
 * else the host name.
 */
@ApplicationScoped
public class InstanceName {

    private final String name;

    InstanceName(@ConfigProperty(name = "messagestack.instance-name") Optional<String> configured) {
        this.name = configured.filter(s -> !s.isBlank())
                .or(() -> Optional.ofNullable(System.getenv("HOSTNAME")).filter(s -> !s.isBlank()))
                .orElseGet(InstanceName::hostName);
    }

    public String get() {
        return name;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown";
        }
    }
}

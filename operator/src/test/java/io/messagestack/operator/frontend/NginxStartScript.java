package io.messagestack.operator.frontend;

import io.messagestack.operator.common.ClasspathFiles;
import io.messagestack.operator.common.RealBinary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Runs the frontend pod's nginx-start.sh from the classpath in a test folder, as the pod would. */
final class NginxStartScript {
    private final Path dir;
    private final Path script;

    NginxStartScript(Path dir) throws IOException {
        this.dir = dir;
        this.script = dir.resolve(Frontend.START_SCRIPT);
        Files.writeString(script, ClasspathFiles.read("nginx/" + Frontend.START_SCRIPT, "test"));
    }

    /** The rendered nginx.conf with its pid, temp and upstream paths moved into the test folder. */
    Path writeConfig(int listenPort) throws IOException {
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            return writeConfig(listenPort, free.getLocalPort());
        }
    }

    /** As {@link #writeConfig(int)}, with the metrics port at metricsPort and the sockets in {@link #socketDir()}. */
    Path writeConfig(int listenPort, int metricsPort) throws IOException {
        Files.createDirectories(socketDir());
        String conf = NginxConfigRenderer.render(listenPort, metricsPort, socketDir().toString())
                .replace("pid /tmp/nginx.pid;", "pid " + dir.resolve("nginx.pid") + ";")
                .replace("/tmp/nginx-", dir + "/nginx-");
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        return file;
    }

    /** The pod's metrics-sockets volume. */
    Path socketDir() {
        return dir.resolve("nginx-metrics");
    }

    Path upstreamFile() {
        return dir.resolve("nginx-upstream/message-api.conf");
    }

    /** The environment the Deployment sets, with the pod list read from {@code podsFile} instead of DNS. */
    ProcessBuilder process(String apiService, Path podsFile, Map<String, String> extra) throws IOException {
        Path nginx = RealBinary.require("nginx");
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", script.toString());
        Map<String, String> env = pb.environment();
        env.put("PATH", nginx.getParent() + ":/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("NGINX_CONF", dir.resolve("nginx.conf").toString());
        env.put("UPSTREAM_FILE", upstreamFile().toString());
        env.put("API_SERVICE", apiService);
        env.put("API_PODS_HOST", "unused.invalid");
        env.put("API_PODS_FILE", podsFile.toString());
        env.put("API_PORT", apiService.substring(apiService.lastIndexOf(':') + 1));
        env.putAll(extra);
        return pb.redirectErrorStream(true);
    }

    /** RENDER_ONLY: writes the upstream file once and returns its lines. */
    List<String> render(String apiService, List<String> pods) throws Exception {
        Path podsFile = dir.resolve("pods");
        Files.write(podsFile, pods);
        Process p = process(apiService, podsFile, Map.of("RENDER_ONLY", "1")).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError("nginx-start.sh failed: " + out);
        }
        return Files.readAllLines(upstreamFile());
    }
}

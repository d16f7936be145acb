package io.messagestack.api.support;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged message-api (target/quarkus-app, the same fast-jar the image ships) running as a
 * real process, so tests can run two instances, kill or SIGTERM them.
 */
public final class ApiProcess implements AutoCloseable {

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;

    private ApiProcess(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** The JVM options the image runs the service with. */
    static final Path JVM_OPTIONS = Path.of("src/main/docker/jvm.options");

    public static Path appJar() {
        String configured = System.getProperty("app.jar", "target/quarkus-app/quarkus-run.jar");
        Path jar = Path.of(configured);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("packaged application missing: " + jar
                    + ". Run `mvn -f message-api/pom.xml verify` (the Galera tests run after `package`).");
        }
        return jar;
    }

    /** Starts an instance on a free port against the JDBC URL and waits until it is ready. */
    public static ApiProcess start(String name, String jdbcUrl, Map<String, String> env) {
        ApiProcess api = launch(name, jdbcUrl, env);
        api.awaitReady(Duration.ofSeconds(120));
        return api;
    }

    /** Starts an instance and returns once it answers liveness, ready or not. */
    public static ApiProcess startLive(String name, String jdbcUrl, Map<String, String> env) {
        ApiProcess api = launch(name, jdbcUrl, env);
        api.await("/q/health/live", Duration.ofSeconds(120));
        return api;
    }

    private static ApiProcess launch(String name, String jdbcUrl, Map<String, String> env) {
        try {
            int port = freePort();
            Path logDir = Path.of("target", "it-logs");
            Files.createDirectories(logDir);
            Path log = logDir.resolve(name + ".log").toAbsolutePath();
            Path jar = appJar().toAbsolutePath();
            // The image's JVM options (one definition: src/main/docker/jvm.options, with
            // -XX:+ExitOnOutOfMemoryError), -XX:MaxRAM standing for its 384 MiB container limit;
            // run in the jar's directory, where jvm.options expects the class-data sharing archive
            // (used when hack/api's scripts made one; the JVM ignores a missing one).
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "@" + JVM_OPTIONS.toAbsolutePath(), "-XX:MaxRAM=384m",
                    "-jar", jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(jar.getParent().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            Map<String, String> e = builder.environment();
            e.put("QUARKUS_HTTP_PORT", Integer.toString(port));
            e.put("QUARKUS_DATASOURCE_JDBC_URL", jdbcUrl);
            e.put("QUARKUS_DATASOURCE_USERNAME", TestServers.USER);
            e.put("QUARKUS_DATASOURCE_PASSWORD", TestServers.PASSWORD);
            e.put("MESSAGESTACK_INSTANCE_NAME", name);
            e.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
            e.put("QUARKUS_SHUTDOWN_DELAY", "1s");
            e.putAll(env);
            return new ApiProcess(name, port, builder.start(), log);
        } catch (IOException e) {
            throw new IllegalStateException("could not start " + name, e);
        }
    }

    public String name() {
        return name;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    public void awaitReady(Duration timeout) {
        await("/q/health/ready", timeout);
    }

    private void await(String path, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log.toAbsolutePath());
            }
            try {
                HttpResponse<String> ready = Http.get(uri(path));
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            sleep(250);
        }
        throw new IllegalStateException(name + " did not answer 200 on " + path + " within " + timeout + "; see " + log.toAbsolutePath());
    }

    /** SIGTERM, as Kubernetes sends on pod deletion. */
    public void terminate() {
        process.destroy();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static File repoRoot() {
        return new File(System.getProperty("repo.root", ".."));
    }
}

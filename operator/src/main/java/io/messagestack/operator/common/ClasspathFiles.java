package io.messagestack.operator.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** Reads text files that the build put on the classpath (the page, the database start script). */
public final class ClasspathFiles {
    // The files are part of the operator's build and never change while it runs: read each once.
    private static final Map<String, String> FILES = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Map<String, Map<String, String>> FOLDERS = new java.util.concurrent.ConcurrentHashMap<>();

    private ClasspathFiles() {
    }

    /** The content of one resource, or an exception naming what is missing and who provides it. */
    public static String read(String path, String providedBy) {
        String cached = FILES.get(path);
        if (cached != null) {
            return cached;
        }
        String content = readUncached(path, providedBy);
        FILES.put(path, content);
        return content;
    }

    public static Map<String, String> readFolder(String folder, String marker, String providedBy) {
        Map<String, String> cached = FOLDERS.get(folder);
        if (cached != null) {
            return cached;
        }
        Map<String, String> files = java.util.Collections.unmodifiableMap(readFolderUncached(folder, marker, providedBy));
        FOLDERS.put(folder, files);
        return files;
    }

    private static String readUncached(String path, String providedBy) {
        try (InputStream in = ClasspathFiles.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new MissingResourceException(path, providedBy);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All files directly under a classpath folder (not recursive: a ConfigMap is flat), by file name. */
    private static Map<String, String> readFolderUncached(String folder, String marker, String providedBy) {
        URL url = ClasspathFiles.class.getClassLoader().getResource(folder + "/" + marker);
        if (url == null) {
            throw new MissingResourceException(folder + "/" + marker, providedBy);
        }
        Map<String, String> files = new TreeMap<>();
        try {
            if ("file".equals(url.getProtocol())) {
                Path dir = Path.of(url.toURI()).getParent();
                try (Stream<Path> paths = Files.list(dir)) {
                    for (Path p : paths.filter(Files::isRegularFile).toList()) {
                        files.put(p.getFileName().toString(), Files.readString(p));
                    }
                }
            } else {
                // Packaged: walk the jar that holds the folder.
                JarURLConnection connection = (JarURLConnection) url.openConnection();
                connection.setUseCaches(false);
                try (JarFile jar = connection.getJarFile()) {
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        JarEntry entry = entries.nextElement();
                        String name = entry.getName();
                        if (!entry.isDirectory() && name.startsWith(folder + "/")
                                && name.indexOf('/', folder.length() + 1) < 0) {
                            try (InputStream in = jar.getInputStream(entry)) {
                                files.put(name.substring(folder.length() + 1),
                                        new String(in.readAllBytes(), StandardCharsets.UTF_8));
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return files;
    }

    /** A build problem, reported in the status rather than as a stack trace. */
    public static class MissingResourceException extends RuntimeException {
        public MissingResourceException(String path, String providedBy) {
            super("classpath resource " + path + " is missing from the operator build; it comes from "
                    + providedBy + ": rebuild the operator (make operator-image) after it exists");
        }
    }
}

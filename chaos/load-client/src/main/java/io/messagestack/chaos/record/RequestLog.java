package io.messagestack.chaos.record;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Append-only JSON-lines file of {@link RequestRecord}s, one line per attempt, safe for many writer threads. */
public final class RequestLog implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedWriter out;
    private long lastFlushMs = System.currentTimeMillis();

    public RequestLog(Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    public synchronized void append(RequestRecord record) {
        try {
            out.write(JSON.writeValueAsString(record));
            out.newLine();
            // Flush about once a second so a killed client still leaves most of its log behind.
            long now = System.currentTimeMillis();
            if (now - lastFlushMs > 1000) {
                out.flush();
                lastFlushMs = now;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    public static List<RequestRecord> read(Path file) throws IOException {
        List<RequestRecord> records = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                records.add(JSON.readValue(line, RequestRecord.class));
            } catch (IOException e) {
                // A client killed mid-write leaves a torn last line; anything else is a real error.
                if (lineNo == countLines(file)) {
                    break;
                }
                throw new IOException(file + " line " + lineNo + ": not a request record: " + e.getMessage(), e);
            }
        }
        return records;
    }

    private static long countLines(Path file) throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.count();
        }
    }
}

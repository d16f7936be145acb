package io.messagestack.api.message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;

import jakarta.ws.rs.core.StreamingOutput;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The unbounded list, written as one bare JSON array while it is read in keyset chunks: the heap
 * holds one chunk (sized to a character budget, so long bodies mean fewer rows) and the output
 * buffers, whatever the table size. No connection or transaction is held between chunks, so a
 * slow reader holds nothing in the database, and a reader that goes away stops the reads at its
 * next write (the server's output stream throws). Each chunk is its own short transaction run by
 * GaleraRetry, so a failover in the middle of a long list is retried chunk by chunk.
 * <p>
 * Consistency: each message appears at most once and in order; a message stored or deleted
 * while the list is being written may or may not appear (the chunks are separate reads, not one
 * snapshot: a snapshot held for a whole million-row list would hold back InnoDB's purge).
 */
final class MessageListStream implements StreamingOutput {

    private static final Logger LOG = Logger.getLogger(MessageListStream.class);
    /**
     * Characters of subject+body per chunk (default 64K: a few hundred KiB of strings and driver
     * buffers). Small on purpose: with 16 lists at once and a 96 MiB heap, chunks of 1000 rows
     * (~1 MiB each) outlived the young collections, filled the old generation and caused a full
     * collection every 2 s (140-500 ms pauses, felt by every other request).
     */
    static final int CHUNK_CHARS = Integer.getInteger("messagestack.list.chunk-chars", 64 * 1024);
    static final int FIRST_CHUNK_ROWS = 100;
    static final int MIN_CHUNK_ROWS = 10;
    static final int MAX_CHUNK_ROWS = Integer.getInteger("messagestack.list.chunk-rows", 250);

    /**
     * How many lists read and serialize a chunk at the same time: the number of CPUs the JVM
     * sees (its container's limit). Sixteen lists at once otherwise keep sixteen threads
     * runnable, and every other request waits for CPU behind them (measured: create p50 22 ms
     * alone, 132 ms during 16 lists of 1M rows). Permits are held for one chunk, never while
     * writing to the client, and taken in arrival order, so each list still progresses.
     */
    static final Semaphore ACTIVE_CHUNKS = new Semaphore(
            Integer.getInteger("messagestack.list.active-chunks", Math.max(1, Runtime.getRuntime().availableProcessors())),
            true);

    private final MessageService messages;
    private final Paging paging;
    private final MessageUrls urls;
    private final ObjectMapper mapper;
    private final MeterRegistry meters;
    private final BooleanSupplier clientGone;
    private List<MessageRow> first;

    /**
     * @param clientGone true once the client's connection is closed. Checked before every chunk:
     *        the server's output stream only throws when it has to wait for a slow reader; after a
     *        reset it accepts (and drops) writes, so without this check the whole table would be read.
     */
    MessageListStream(MessageService messages, Paging paging, MessageUrls urls, ObjectMapper mapper, MeterRegistry meters,
            BooleanSupplier clientGone) {
        this.clientGone = clientGone;
        this.messages = messages;
        this.paging = paging;
        this.urls = urls;
        this.mapper = mapper;
        this.meters = meters;
    }

    /** Reads the first chunk before the response is committed: a database failure here is still a problem+json answer. */
    MessageListStream prefetch() {
        first = messages.chunk(paging, null, FIRST_CHUNK_ROWS);
        return this;
    }

    private static void acquire() throws IOException {
        try {
            ACTIVE_CHUNKS.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to read the next chunk", e);
        }
    }

    /** The next chunk's size from the last one's average row: CHUNK_CHARS in all, within MIN..MAX rows. */
    static int nextChunkRows(List<MessageRow> last) {
        if (last.isEmpty()) {
            return FIRST_CHUNK_ROWS;
        }
        long chars = 0;
        for (MessageRow row : last) {
            chars += row.chars();
        }
        long average = Math.max(1, chars / last.size());
        return (int) Math.max(MIN_CHUNK_ROWS, Math.min(MAX_CHUNK_ROWS, CHUNK_CHARS / average));
    }

    @Override
    public void write(OutputStream out) throws IOException {
        ObjectWriter writer = mapper.writerFor(MessageView.class).without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
        long rows = 0;
        String outcome = "failed";
        List<MessageRow> chunk = first;
        int requested = FIRST_CHUNK_ROWS;
        first = null;
        // Each chunk is serialized into this buffer while holding a permit, then copied to the
        // client without it: a slow reader never holds a permit.
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);
        // Neither closing brackets nor the end of the response are written on a failure: the
        // framework closes the stream after a successful write only.
        JsonGenerator json = mapper.getFactory().createGenerator(buffer)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        try {
            json.writeStartArray();
            Long cursor = null;
            while (true) {
                acquire();
                try {
                    if (chunk == null) {
                        chunk = messages.chunk(paging, cursor, requested);
                    }
                    for (MessageRow row : chunk) {
                        writer.writeValue(json, MessageView.of(row, urls));
                    }
                    json.flush();
                } finally {
                    ACTIVE_CHUNKS.release();
                }
                buffer.writeTo(out);
                buffer.reset();
                rows += chunk.size();
                if (chunk.size() < requested) {
                    break;
                }
                if (clientGone.getAsBoolean()) {
                    throw new IOException("the client closed the connection");
                }
                cursor = chunk.get(chunk.size() - 1).id();
                requested = nextChunkRows(chunk);
                chunk = null; // the old chunk can go before the next one is read
            }
            json.writeEndArray();
            json.close();
            buffer.writeTo(out);
            outcome = "complete";
        } catch (IOException clientGone) {
            outcome = "client_gone";
            LOG.debugf("event=list_stream_client_gone rows=%d error=\"%s\"", rows, clientGone.getMessage());
            throw clientGone;
        } catch (RuntimeException e) {
            // The 200 and part of the array are already sent: the only honest signal left is to
            // break the response (no closing bracket, no final chunk), never a valid short list.
            LOG.warnf("event=list_stream_failed rows=%d error=\"%s\"", rows, e.toString());
            throw new IOException("the list failed after " + rows + " messages", e);
        } finally {
            meters.counter("messagestack.list.streams", "outcome", outcome).increment();
            meters.counter("messagestack.list.streamed.rows").increment(rows);
        }
    }
}

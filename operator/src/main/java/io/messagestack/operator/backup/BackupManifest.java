package io.messagestack.operator.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * manifest.json, the record of one complete backup (see {@link BackupLayout}): written last by whatever took the
 * backup, read by the operator to list backups and by a restore to check what it is about to restore (engine,
 * server version, checksum). Format version 1; a reader refuses a version it does not know, so an old operator
 * never restores from a manifest it half understands. The file's fields and an example are in docs/backup.md;
 * src/test/resources/backup/manifest-v1.json is the example both the writer and this reader are tested against.
 */
public record BackupManifest(
        String stack,
        String namespace,
        String backup,
        String engine,
        String serverVersion,
        String node,
        Instant startTime,
        Instant endTime,
        String galeraUuid,
        long galeraSeqno,
        String gtid,
        String dataObject,
        String compression,
        long dataSize,
        String dataSha256) {

    public static final int FORMAT_VERSION = 1;
    public static final Set<String> ENGINES = Set.of("mariadb-galera", "percona-xtradb-cluster");
    private static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");
    private static final Pattern UUID = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Canonical JSON: fixed key order, so the same backup always gives the same bytes. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("stack", stack);
        root.put("namespace", namespace);
        root.put("backup", backup);
        root.put("engine", engine);
        root.put("serverVersion", serverVersion);
        root.put("node", node);
        root.put("startTime", startTime.toString());
        root.put("endTime", endTime.toString());
        ObjectNode position = root.putObject("position");
        position.put("galeraUuid", galeraUuid);
        position.put("galeraSeqno", galeraSeqno);
        position.put("gtid", gtid);
        ObjectNode data = root.putObject("data");
        data.put("object", dataObject);
        data.put("format", "xbstream");
        data.put("compression", compression);
        data.put("size", dataSize);
        data.put("sha256", dataSha256);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads and checks a manifest.
     *
     * @throws IllegalArgumentException naming the field that is missing or wrong; the whole file is refused
     */
    public static BackupManifest parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("manifest.json: not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("manifest.json: not a JSON object");
        }
        JsonNode version = root.get("formatVersion");
        if (version == null || !version.isInt()) {
            throw new IllegalArgumentException("manifest.json: formatVersion missing");
        }
        if (version.intValue() != FORMAT_VERSION) {
            throw new IllegalArgumentException("manifest.json: formatVersion " + version.intValue()
                    + " is not " + FORMAT_VERSION + " (written by a newer operator?); refusing to read it");
        }
        JsonNode position = object(root, "position");
        JsonNode data = object(root, "data");
        String engine = text(root, "engine");
        if (!ENGINES.contains(engine)) {
            throw new IllegalArgumentException("manifest.json: engine '" + engine + "' is not one of " + ENGINES);
        }
        if (!"xbstream".equals(text(data, "format", "data.format"))) {
            throw new IllegalArgumentException("manifest.json: data.format is not xbstream");
        }
        BackupManifest m = new BackupManifest(
                text(root, "stack"), text(root, "namespace"), text(root, "backup"), engine,
                text(root, "serverVersion"), text(root, "node"),
                time(root, "startTime"), time(root, "endTime"),
                text(position, "galeraUuid", "position.galeraUuid"),
                number(position, "galeraSeqno", "position.galeraSeqno"),
                optionalText(position, "gtid"),
                text(data, "object", "data.object"), text(data, "compression", "data.compression"),
                number(data, "size", "data.size"), text(data, "sha256", "data.sha256"));
        if (!UUID.matcher(m.galeraUuid).matches()) {
            throw new IllegalArgumentException("manifest.json: position.galeraUuid '" + m.galeraUuid + "' is not a UUID");
        }
        if (m.galeraSeqno < 0) {
            throw new IllegalArgumentException("manifest.json: position.galeraSeqno is negative");
        }
        if (m.dataSize < 0) {
            throw new IllegalArgumentException("manifest.json: data.size is negative");
        }
        if (!SHA256.matcher(m.dataSha256).matches()) {
            throw new IllegalArgumentException("manifest.json: data.sha256 is not 64 lower-case hex digits");
        }
        if (m.endTime.isBefore(m.startTime)) {
            throw new IllegalArgumentException("manifest.json: endTime is before startTime");
        }
        if (!BackupLayout.DATA_OBJECT.equals(m.dataObject)) {
            throw new IllegalArgumentException("manifest.json: data.object '" + m.dataObject + "' is not "
                    + BackupLayout.DATA_OBJECT);
        }
        return m;
    }

    /** The Galera position as the status shows it: uuid:seqno. */
    public String galeraPosition() {
        return galeraUuid + ":" + galeraSeqno;
    }

    private static JsonNode object(JsonNode parent, String name) {
        JsonNode n = parent.get(name);
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("manifest.json: " + name + " missing");
        }
        return n;
    }

    private static String text(JsonNode parent, String name) {
        return text(parent, name, name);
    }

    private static String text(JsonNode parent, String name, String path) {
        JsonNode n = parent.get(name);
        if (n == null || !n.isTextual() || n.textValue().isBlank()) {
            throw new IllegalArgumentException("manifest.json: " + path + " missing or empty");
        }
        return n.textValue();
    }

    private static String optionalText(JsonNode parent, String name) {
        JsonNode n = parent.get(name);
        return n == null || n.isNull() ? "" : n.asText();
    }

    private static long number(JsonNode parent, String name, String path) {
        JsonNode n = parent.get(name);
        if (n == null || !n.canConvertToLong() || !n.isIntegralNumber()) {
            throw new IllegalArgumentException("manifest.json: " + path + " missing or not a whole number");
        }
        return n.longValue();
    }

    private static Instant time(JsonNode parent, String name) {
        String t = text(parent, name);
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("manifest.json: " + name + " '" + t + "' is not an RFC 3339 UTC time");
        }
    }
}

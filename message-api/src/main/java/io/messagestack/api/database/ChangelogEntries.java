package io.messagestack.api.database;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The change sets this build's Liquibase changelog declares ("author:id", in order), read from the
 * same classpath files Liquibase reads. With them a start can see that every change set is already
 * in DATABASECHANGELOG and skip Liquibase, whose own check of an up-to-date schema costs about a
 * second of a start (issue 17); anything missing, unreadable or unexpected goes through Liquibase.
 */
public final class ChangelogEntries {

    private static final Pattern INCLUDE = Pattern.compile("<include\\s+file=\"([^\"]+)\"");
    private static final Pattern CHANGESET = Pattern.compile("(?m)^--changeset\\s+([^:\\s]+):(\\S+)");

    private ChangelogEntries() {
    }

    /** The change sets of the master changelog at {@code masterPath} on the classpath, in order. */
    public static List<String> declared(String masterPath) {
        List<String> entries = new ArrayList<>();
        for (String file : includes(read(masterPath))) {
            entries.addAll(changeSets(read(file)));
        }
        if (entries.isEmpty()) {
            throw new IllegalStateException("changelog " + masterPath + " declares no change set");
        }
        return entries;
    }

    /** The files a master changelog includes, in order. */
    static List<String> includes(String masterXml) {
        List<String> files = new ArrayList<>();
        Matcher matcher = INCLUDE.matcher(masterXml);
        while (matcher.find()) {
            files.add(matcher.group(1));
        }
        return files;
    }

    /** The "author:id" of each change set of a formatted-SQL changelog, in order. */
    static List<String> changeSets(String formattedSql) {
        List<String> ids = new ArrayList<>();
        Matcher matcher = CHANGESET.matcher(formattedSql);
        while (matcher.find()) {
            ids.add(matcher.group(1) + ":" + matcher.group(2));
        }
        return ids;
    }

    /** The declared change sets that are not among the applied ones ("author:id"). */
    public static Set<String> missing(List<String> declared, Set<String> applied) {
        Set<String> missing = new LinkedHashSet<>(declared);
        missing.removeAll(applied);
        return missing;
    }

    private static String read(String path) {
        try (InputStream in = ChangelogEntries.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("changelog file " + path + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

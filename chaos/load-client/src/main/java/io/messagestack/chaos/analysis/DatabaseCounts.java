package io.messagestack.chaos.analysis;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Counts the rows per subject of one run, straight from the database (not through the API under test). */
public final class DatabaseCounts {
    private DatabaseCounts() {
    }

    public static Map<String, Integer> rowsBySubject(String jdbcUrl, String user, String password, String table,
                                                     String subjectPrefix, Duration connectPatience)
            throws SQLException, InterruptedException {
        if (!table.matches("[A-Za-z_][A-Za-z0-9_]{0,63}(\\.[A-Za-z_][A-Za-z0-9_]{0,63})?")) {
            throw new IllegalArgumentException("--table must be a plain SQL identifier, got '" + table + "'");
        }
        String sql = "SELECT subject, COUNT(*) FROM " + table + " WHERE subject LIKE ? GROUP BY subject";
        long deadline = System.nanoTime() + connectPatience.toNanos();
        SQLException last;
        do {
            try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
                 PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, likeEscape(subjectPrefix) + "%");
                Map<String, Integer> counts = new HashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String subject = rs.getString(1);
                        if (subject.startsWith(subjectPrefix)) {
                            counts.put(subject, rs.getInt(2));
                        }
                    }
                }
                return counts;
            } catch (SQLException e) {
                // Right after a fault the database (or the port-forward to it) may need a moment.
                last = e;
                System.err.printf("verify ts=%s phase=db-connect retry error=\"%s\"%n", java.time.Instant.now(), firstLine(e));
                Thread.sleep(2000);
            }
        } while (System.nanoTime() < deadline);
        throw new SQLException(firstLine(last), last);
    }

    /** The driver's messages run over several lines; the first says what happened. */
    static String firstLine(SQLException e) {
        String m = String.valueOf(e.getMessage()).strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).strip();
    }

    static String likeEscape(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}

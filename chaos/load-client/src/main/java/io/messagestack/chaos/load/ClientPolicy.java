package io.messagestack.chaos.load;

import io.messagestack.chaos.record.RequestRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How one kind of client behaves: its per-request timeout, whether it sends an Idempotency-Key, and
 * its retry policy. The sender ({@link LoadRunner}) has one code path; this object makes the choices.
 *
 * <ul>
 *   <li>{@code careful}: what the suite always measured with: a key on every create, up to N retries
 *       with the same key (200/400/800 ms apart) on no answer, 409, 429 or 5xx.</li>
 *   <li>{@code plain}: a user's client (curl, a form post, the seed's page): each request sent once, no
 *       key, no retry, a 5 s timeout that covers connect and the whole answer (issue 15).</li>
 * </ul>
 *
 * @param name           {@code careful} or {@code plain}; recorded on every request
 * @param timeout        per attempt, from the send until the whole answer is read (connect included)
 * @param retries        retry decisions; {@code maxRetries() == 0} means each request is sent once
 * @param idempotencyKey whether creates carry an {@code Idempotency-Key}
 */
public record ClientPolicy(String name, Duration timeout, RetryPolicy retries, boolean idempotencyKey) {
    public static final String CAREFUL = RequestRecord.DEFAULT_CLIENT; // logs without a client name are its
    public static final String PLAIN = "plain";
    public static final Duration PLAIN_TIMEOUT = Duration.ofSeconds(5);

    public ClientPolicy {
        if (!name.matches("[a-z]{1,16}")) {
            throw new IllegalArgumentException("--client: name must be 1-16 of [a-z], got '" + name + "'");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("--timeout must be above 0, got " + timeout);
        }
    }

    public static ClientPolicy careful(Duration timeout, int maxRetries) {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("--retries must be 0 or more, got " + maxRetries);
        }
        return new ClientPolicy(CAREFUL, timeout, new RetryPolicy(maxRetries, Duration.ofMillis(200)), true);
    }

    public static ClientPolicy plain(Duration timeout) {
        return new ClientPolicy(PLAIN, timeout, new RetryPolicy(0, Duration.ZERO), false);
    }

    /**
     * The clients of {@code --client careful|plain|careful,plain}, in that order of the list.
     * A name twice or an unknown name is refused, naming the flag.
     */
    public static List<String> parseNames(String list) {
        List<String> names = new ArrayList<>();
        for (String raw : list.split(",")) {
            String n = raw.trim();
            if (!n.equals(CAREFUL) && !n.equals(PLAIN)) {
                throw new IllegalArgumentException("--client: unknown client '" + n + "' (known: careful, plain)");
            }
            if (names.contains(n)) {
                throw new IllegalArgumentException("--client: '" + n + "' given twice");
            }
            names.add(n);
        }
        return List.copyOf(names);
    }
}

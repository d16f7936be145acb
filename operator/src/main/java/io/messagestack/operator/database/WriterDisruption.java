package io.messagestack.operator.database;

import java.util.Collection;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which database pods no eviction may take: HAProxy's writer, and while the proxies still roll onto a new writer
 * also the pods that were protected before (the previous writer, which old proxy pods may still write to). The
 * writer's PodDisruptionBudget (minAvailable: all of them) selects exactly these pods and the database budget
 * (one at a time) all others: a pod in two budgets cannot be evicted at all (the eviction API answers 500, which
 * fails a {@code kubectl drain}), so the two never overlap. A stack with one database node protects nothing: there
 * is nowhere to move the writer, and a drain must not wait forever. The budget itself is the memory of what was
 * protected. Pure (WriterDisruptionTest).
 */
public final class WriterDisruption {
    private WriterDisruption() {
    }

    /**
     * @param writer          ordinal of HAProxy's writer
     * @param replicas        database nodes the StatefulSet has
     * @param proxiesOnWriter every proxy pod runs the haproxy.cfg that names this writer
     * @param protectedNow    the ordinals the writer's budget selects now (empty when it does not exist)
     */
    public static SortedSet<Integer> protect(int writer, int replicas, boolean proxiesOnWriter,
                                             Collection<Integer> protectedNow) {
        SortedSet<Integer> protect = new TreeSet<>();
        if (replicas < 2 || writer >= replicas) {
            return protect;
        }
        protect.add(writer);
        if (!proxiesOnWriter) {
            protectedNow.stream().filter(o -> o >= 0 && o < replicas).forEach(protect::add);
        }
        return protect;
    }
}

package io.messagestack.operator.common;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The operator's periodic work outside the reconcilers: one named daemon thread each, so a stuck loop shows by name. */
public final class BackgroundLoops {
    private BackgroundLoops() {
    }

    public static ScheduledExecutorService singleThread(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}

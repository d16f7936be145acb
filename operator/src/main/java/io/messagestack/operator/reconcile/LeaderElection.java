package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Two operator replicas run; one holds this Lease (in the operator's namespace) and reconciles, the other waits
 * and takes over when the Lease expires.
 *
 * <p>java-operator-sdk's own "exit on stop leading" calls System.exit from inside the JVM's shutdown (SIGTERM makes
 * Quarkus stop the operator, which stops leading), and that deadlocks: the pod then hangs until SIGKILL. So losing
 * the Lease while running halts the process (Kubernetes restarts it), and a normal shutdown just ends.
 */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {
    private static final Logger LOG = Logger.getLogger(LeaderElection.class);
    public static final String LEASE = "messagestack-operator-lease";
    private static final java.util.concurrent.atomic.AtomicBoolean LEADING = new java.util.concurrent.atomic.AtomicBoolean();

    public LeaderElection() {
        super(LEASE, blankToNull(System.getenv("POD_NAMESPACE")), LEASE_DURATION_DEFAULT_VALUE,
                RENEW_DEADLINE_DEFAULT_VALUE, RETRY_PERIOD_DEFAULT_VALUE, null,
                new LeaderCallbacks(LeaderElection::startedLeading, LeaderElection::stoppedLeading,
                        leader -> LOG.infof("leader election: leader=%s", leader)),
                false);
    }

    /** Whether this replica holds the Lease: work outside the reconcilers (NodeLossGuard) runs only then. */
    public static boolean leading() {
        return LEADING.get();
    }

    private static void startedLeading() {
        LEADING.set(true);
        LOG.info("leader election: leading");
    }

    private static void stoppedLeading() {
        LEADING.set(false);
        if (shuttingDown()) {
            LOG.info("leader election: released the Lease on shutdown");
            return;
        }
        LOG.error("leader election: lost the Lease while running; halting so that Kubernetes restarts this replica");
        Runtime.getRuntime().halt(1);
    }

    /** The JVM refuses new shutdown hooks once its shutdown has begun. */
    private static boolean shuttingDown() {
        try {
            Thread probe = new Thread(() -> { });
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}

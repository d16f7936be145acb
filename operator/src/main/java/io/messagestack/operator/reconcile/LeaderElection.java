package io.messagestack.operator.reconcile;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;

/**
 * Two operator replicas run; one holds this Lease (in the operator's namespace) and reconciles, the other waits
 * and takes over when the Lease expires.
 */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {
    public LeaderElection() {
        super("messagestack-operator-lease");
    }
}

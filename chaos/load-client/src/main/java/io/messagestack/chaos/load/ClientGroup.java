package io.messagestack.chaos.load;

/** Writers that share one client policy; each writer has its own subjects (see {@link LoadConfig#subject}). */
public record ClientGroup(ClientPolicy policy, int writers) {
    public ClientGroup {
        if (writers < 1) {
            throw new IllegalArgumentException("--writers (" + policy.name() + " client) must be at least 1, got " + writers);
        }
    }
}

package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How each database node makes a commit durable before acknowledging it (see MyCnfRenderer). */
public enum Durability {
    /** The redo log (and binlog, when on) is flushed to disk at every commit. */
    @JsonProperty("Strict")
    STRICT,
    /** Written at commit, flushed to disk about once a second: a power loss of every node loses up to ~1 s. */
    @JsonProperty("Relaxed")
    RELAXED
}

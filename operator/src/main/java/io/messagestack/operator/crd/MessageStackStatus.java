package io.messagestack.operator.crd;

import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

/** What the operator observed. Conditions: Ready, DatabaseReady, ProxyReady, ApiReady, FrontendReady,
 * BackupFailing once the stack has backups, PointInTimeRecoveryGap while point-in-time recovery is on. */
public class MessageStackStatus {
    public Long observedGeneration;
    /** Pending, Progressing, Ready, Degraded or Failed. */
    public String phase;
    public List<Condition> conditions = new ArrayList<>();
    public ComponentStatus database;
    public ComponentStatus proxy;
    public ComponentStatus api;
    public ComponentStatus frontend;
    public GaleraStatus galera;
    /** HAProxy's writer node and why it is that one (switchover: docs/operator.md). */
    public WriterStatus writer;
    /** "ready/desired" of the database plus the Galera state, for `kubectl get ms`. */
    public String databaseSummary;
    /** Where the page is served. */
    public String url;
    /** The last successful backup, when the stack has backups. */
    public StackBackupStatus backup;
    /** How the stack's metrics are discovered (spec.monitoring). */
    public MonitoringStatus monitoring;
    /** The binary log archive, when spec.backup.pointInTimeRecovery is enabled. */
    public PointInTimeRecoveryStatus pointInTimeRecovery;
}

package io.messagestack.operator.crd;

/** status.backup of a MessageStack: its last successful backup (the BackupFailing condition says the rest). */
public class StackBackupStatus {
    /** The newest Completed MessageStackBackup of the stack. */
    public String lastSuccessfulBackup;
    /** When it finished (RFC 3339). */
    public String lastSuccessfulTime;
}

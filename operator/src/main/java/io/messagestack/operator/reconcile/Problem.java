package io.messagestack.operator.reconcile;

/** Something found while reconciling that the user must fix; it becomes a False condition, never an action. */
public record Problem(String conditionType, String reason, String message) {
}

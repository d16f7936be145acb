package io.messagestack.chaos.report;

/** One target of issue 5 checked against one scenario's numbers. */
public record Target(String name, String limit, String actual, Status status, String gap) {

    public enum Status {
        MET("met"), NOT_MET("NOT MET"), NOT_MEASURED("not measured");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public static Target check(String name, String limit, String actual, boolean met, String gapIfMissed) {
        return new Target(name, limit, actual, met ? Status.MET : Status.NOT_MET, met ? null : gapIfMissed);
    }

    public static Target notMeasured(String name, String limit, String why) {
        return new Target(name, limit, why, Status.NOT_MEASURED, null);
    }
}

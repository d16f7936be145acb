package io.messagestack.operator.database;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator's full-crash decision as a command, for the recovery regression suite on real processes
 * (hack/dataplane/test-recovery.sh): it parses each agent's {@code GET /state} answer with the operator's own
 * {@link GaleraProbe#parse} and decides with {@link FullCrashRecovery#decide}, exactly what the reconciler does,
 * minus the HTTP and the Kubernetes status.
 *
 * <pre>
 * java -cp ... io.messagestack.operator.database.RecoveryDecisionCli [--force POD] POD=STATE_FILE ...
 * </pre>
 * Every POD named is an expected pod (the stack's ordinals); a STATE_FILE that is missing or empty means its agent
 * did not answer. Prints one line: {@code OUTCOME POD REASON MESSAGE} (POD is "-" unless the outcome is BOOTSTRAP).
 * Exit 0 whatever the decision; 2 on bad arguments or an unparsable state file.
 */
public final class RecoveryDecisionCli {
    private RecoveryDecisionCli() {
    }

    public static void main(String[] args) throws IOException {
        String force = null;
        List<String> pods = new ArrayList<>();
        List<GaleraProbe.PodState> answered = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if ("--force".equals(args[i]) && i + 1 < args.length) {
                force = args[++i];
                continue;
            }
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("usage: RecoveryDecisionCli [--force POD] POD=STATE_FILE ...");
                System.exit(2);
            }
            String pod = args[i].substring(0, eq);
            Path file = Path.of(args[i].substring(eq + 1));
            pods.add(pod);
            if (Files.isRegularFile(file) && Files.size(file) > 0) {
                try {
                    // The ip is not used by the decision; the suite maps the pod back to its agent's port.
                    answered.add(new GaleraProbe.PodState(pod, pod, GaleraProbe.parse(Files.readString(file))));
                } catch (IOException e) {
                    System.err.println("unparsable state of " + pod + " in " + file + ": " + e.getMessage());
                    System.exit(2);
                }
            }
        }
        FullCrashRecovery.Decision d = FullCrashRecovery.decide(pods, answered, force);
        System.out.println(d.outcome() + " " + (d.pod() == null ? "-" : d.pod()) + " " + d.reason() + " "
                + d.message().replace('\n', ' '));
    }
}

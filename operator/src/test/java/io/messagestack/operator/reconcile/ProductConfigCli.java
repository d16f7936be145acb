package io.messagestack.operator.reconcile;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.messagestack.operator.common.Images;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.crd.MessageStack;
import io.messagestack.operator.database.DatabaseCluster;
import io.messagestack.operator.frontend.Frontend;
import io.messagestack.operator.proxy.DatabaseProxy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The data-plane configs the operator deploys, as files, for the loopback tests (hack/dataplane/lib.sh, hack/api/lib.sh):
 * the my.cnf of the database ConfigMap ({@link DatabaseCluster#config()}), the haproxy.cfg of the proxy ConfigMap
 * ({@link DatabaseProxy#config()}) and the nginx.conf and nginx-start.sh of the frontend ConfigMap
 * ({@link Frontend#config()}) for one MessageStack resource, built by the same model classes the reconciler applies,
 * so a test on loopback runs the product's settings and not a copy of them.
 *
 * <pre>
 * java -cp ... io.messagestack.operator.reconcile.ProductConfigCli STACK_YAML OUT_DIR
 * </pre>
 * Writes OUT_DIR/messagestack.cnf, OUT_DIR/haproxy.cfg, OUT_DIR/nginx.conf and OUT_DIR/nginx-start.sh (the ConfigMap
 * keys) and prints one line per file.
 * The stack is taken as written (the Java defaults of the spec classes stand for the CRD's defaults, as in the unit
 * tests), in cluster domain cluster.local. Exit 2 on bad arguments or an unreadable resource.
 */
public final class ProductConfigCli {
    private ProductConfigCli() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ProductConfigCli STACK_YAML OUT_DIR");
            System.exit(2);
        }
        Path yaml = Path.of(args[0]);
        Path out = Path.of(args[1]);
        MessageStack resource;
        try (InputStream in = Files.newInputStream(yaml)) {
            resource = Serialization.unmarshal(in, MessageStack.class);
        } catch (IOException | RuntimeException e) {
            System.err.println("cannot read a MessageStack from " + yaml + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        if (resource == null || resource.getMetadata() == null || resource.getMetadata().getName() == null) {
            System.err.println(yaml + " is not a MessageStack with a metadata.name");
            System.exit(2);
        }
        Stack stack = Stack.of(resource, new Images(Map.of()), Stack.DEFAULT_CLUSTER_DOMAIN);
        // The start script's text and the StatefulSet size do not enter the config map's my.cnf.
        Map<String, String> db = new DatabaseCluster(stack, "", stack.spec().database.replicas).config().getData();
        Map<String, String> proxy = new DatabaseProxy(stack).config().getData();
        // The page's files are a ConfigMap of their own (Frontend#page); the config map does not depend on them.
        Map<String, String> frontend = new Frontend(stack, Map.of()).config().getData();
        Files.createDirectories(out);
        write(out.resolve(DatabaseCluster.CONFIG_KEY), db.get(DatabaseCluster.CONFIG_KEY), yaml);
        write(out.resolve(DatabaseProxy.CONFIG_KEY), proxy.get(DatabaseProxy.CONFIG_KEY), yaml);
        write(out.resolve(Frontend.CONFIG_KEY), frontend.get(Frontend.CONFIG_KEY), yaml);
        write(out.resolve(Frontend.START_SCRIPT), frontend.get(Frontend.START_SCRIPT), yaml);
    }

    private static void write(Path file, String text, Path from) throws IOException {
        if (text == null || text.isEmpty()) {
            throw new IllegalStateException("the operator rendered nothing for " + file.getFileName());
        }
        Files.writeString(file, text);
        System.out.println("rendered " + file + " (" + text.lines().count() + " lines) from " + from);
    }
}

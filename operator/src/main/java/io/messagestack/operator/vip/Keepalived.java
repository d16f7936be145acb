package io.messagestack.operator.vip;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.messagestack.operator.common.ClasspathFiles;
import io.messagestack.operator.common.Components;
import io.messagestack.operator.common.ConfigHash;
import io.messagestack.operator.common.Images;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.Stack;
import io.messagestack.operator.crd.VipSpec;
import io.messagestack.operator.frontend.Frontend;
import io.messagestack.operator.proxy.DatabaseProxy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * keepalived sidecars in the nginx and HAProxy pods. The pods then use the host network (a VIP lives on a node's
 * interface), and the sidecar gets NET_ADMIN and NET_RAW only. The unicast peers are the node addresses of the
 * component's pods, which the operator learns from the pods and writes into ConfigMap {@code <name>-vip-config};
 * the sidecar reloads keepalived when that file changes (no pod restart: restarting would move the pods again).
 */
public final class Keepalived {
    public static final String CONFIG_DIR = "/etc/messagestack/keepalived";
    public static final String START_SCRIPT = "keepalived-start.sh";
    public static final String CHECK_SCRIPT = "check-port.sh";

    public enum Role {
        FRONTEND(Components.FRONTEND, Frontend.PORT), PROXY(Components.PROXY, DatabaseProxy.PORT);

        final String component;
        final int port;

        Role(String component, int port) {
            this.component = component;
            this.port = port;
        }

        String key() {
            return component;
        }
    }

    private Keepalived() {
    }

    public static KeepalivedConfigRenderer.Settings settings(Stack stack, Role role) {
        VipSpec vip = stack.spec().vip;
        String instance = (stack.name() + "_" + role.component).replace('-', '_');
        String address = role == Role.FRONTEND ? vip.frontendAddress : vip.proxyAddress;
        int routerId = role == Role.FRONTEND ? vip.frontendRouterId : vip.proxyRouterId;
        return new KeepalivedConfigRenderer.Settings(instance, vip.networkInterface, routerId, address,
                CONFIG_DIR + "/" + CHECK_SCRIPT + " " + role.port);
    }

    /** Static files of the sidecar: templates and scripts. Their hash goes on the pod template. */
    public static Map<String, String> staticFiles(Stack stack) {
        Map<String, String> data = new LinkedHashMap<>();
        for (Role role : Role.values()) {
            data.put(role.key() + ".conf.tmpl", KeepalivedConfigRenderer.renderTemplate(settings(stack, role)));
        }
        data.put(START_SCRIPT, ClasspathFiles.read("vip/" + START_SCRIPT, "operator/src/main/resources/vip"));
        data.put(CHECK_SCRIPT, ClasspathFiles.read("vip/" + CHECK_SCRIPT, "operator/src/main/resources/vip"));
        return data;
    }

    /**
     * The ConfigMap with the templates, scripts and the current peer lists (one node address per line).
     */
    public static ConfigMap config(Stack stack, List<String> frontendPeers, List<String> proxyPeers) {
        Map<String, String> data = new LinkedHashMap<>(staticFiles(stack));
        data.put(Role.FRONTEND.key() + ".peers", String.join("\n", frontendPeers) + "\n");
        data.put(Role.PROXY.key() + ".peers", String.join("\n", proxyPeers) + "\n");
        return new ConfigMapBuilder()
                .withNewMetadata().withName(stack.names().vipConfig()).withNamespace(stack.namespace())
                .withLabels(Labels.of(stack.name(), Components.VIP)).endMetadata()
                .withData(data)
                .build();
    }

    /** Adds the sidecar and switches the pod to the host network. */
    public static void attach(PodTemplateSpec template, Stack stack, Role role) {
        template.getSpec().setHostNetwork(true);
        // Host-network pods still need cluster DNS (nginx resolves the API Service).
        template.getSpec().setDnsPolicy("ClusterFirstWithHostNet");
        template.getMetadata().getAnnotations().put("messagestack.io/vip-config-hash",
                ConfigHash.of(staticFiles(stack)));
        template.getSpec().getContainers().add(new ContainerBuilder()
                .withName("keepalived")
                .withImage(stack.images().resolve(stack.spec().vip.image, Images.KEEPALIVED))
                .withCommand("/bin/bash", CONFIG_DIR + "/" + START_SCRIPT, role.key())
                .addNewEnv().withName("HOST_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.hostIP")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("CONFIG_DIR").withValue(CONFIG_DIR).endEnv()
                .withNewSecurityContext()
                .withNewCapabilities().withDrop("ALL").withAdd("NET_ADMIN", "NET_RAW").endCapabilities()
                .endSecurityContext()
                .withNewResources().addToRequests("cpu", new Quantity("10m"))
                .addToRequests("memory", new Quantity("16Mi")).addToLimits("memory", new Quantity("64Mi"))
                .endResources()
                .addNewVolumeMount().withName("vip-config").withMountPath(CONFIG_DIR).endVolumeMount()
                .build());
        template.getSpec().getVolumes().add(new VolumeBuilder().withName("vip-config").withNewConfigMap()
                .withName(stack.names().vipConfig()).withDefaultMode(0755).endConfigMap().build());
    }
}

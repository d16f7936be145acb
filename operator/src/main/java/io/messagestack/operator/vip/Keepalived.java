package io.messagestack.operator.vip;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
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
import io.messagestack.operator.security.ContainerSecurity;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * keepalived sidecars in the nginx and HAProxy pods. The pods then use the host network (a VIP lives on a node's
 * interface; nginx and HAProxy listen on all of the node's addresses, so the node holding the VIP serves it
 * itself), and the sidecar gets NET_ADMIN and NET_RAW only. ConfigMap {@code <name>-vip-config} holds the
 * keepalived.conf templates and the scripts. The unicast peers are the node addresses of the component's pods,
 * read by the sidecar from the DNS of a headless Service ({@code <name>-<component>-peers}, not-ready pods
 * included): DNS follows the pods within a second, where a ConfigMap volume lags by up to a minute and two pods
 * starting together would not know each other. keepalived reloads on a change, without a pod restart.
 */
public final class Keepalived {
    public static final String CONFIG_DIR = "/etc/messagestack/keepalived";
    public static final String START_SCRIPT = "keepalived-start.sh";
    /** Where the start script writes the state of the local nginx/HAProxy (keepalived's track_file). */
    public static final String STATE_DIR = "/run/messagestack-keepalived";

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
                stateFile(role));
    }

    public static String stateFile(Role role) {
        return STATE_DIR + "/" + role.key() + ".state";
    }

    /** Static files of the sidecar: templates and scripts. Their hash goes on the pod template. */
    public static Map<String, String> staticFiles(Stack stack) {
        Map<String, String> data = new LinkedHashMap<>();
        for (Role role : Role.values()) {
            data.put(role.key() + ".conf.tmpl", KeepalivedConfigRenderer.renderTemplate(settings(stack, role)));
        }
        data.put(START_SCRIPT, ClasspathFiles.read("vip/" + START_SCRIPT, "operator/src/main/resources/vip"));
        return data;
    }

    /** Everything the VIP needs besides the sidecars: the ConfigMap and one peer Service per role. */
    public static List<HasMetadata> desired(Stack stack) {
        return List.of(config(stack), peerService(stack, Role.FRONTEND), peerService(stack, Role.PROXY));
    }

    /** The ConfigMap with the keepalived.conf templates and the scripts. */
    public static ConfigMap config(Stack stack) {
        return new ConfigMapBuilder()
                .withNewMetadata().withName(stack.names().vipConfig()).withNamespace(stack.namespace())
                .withLabels(Labels.of(stack.name(), Components.VIP)).endMetadata()
                .withData(new LinkedHashMap<>(staticFiles(stack)))
                .build();
    }

    public static String peerServiceName(Stack stack, Role role) {
        return stack.name() + "-" + role.component + "-peers";
    }

    /**
     * Headless Service whose DNS name resolves to the addresses of the role's pods, which are node addresses on the
     * host network: the sidecars' unicast peers. Not-ready pods count (a peer in FAULT still takes part in VRRP).
     */
    public static Service peerService(Stack stack, Role role) {
        return new ServiceBuilder()
                .withNewMetadata().withName(peerServiceName(stack, role)).withNamespace(stack.namespace())
                .withLabels(Labels.of(stack.name(), Components.VIP)).endMetadata()
                .withNewSpec()
                .withClusterIP("None")
                .withPublishNotReadyAddresses(true)
                .withSelector(Labels.selector(stack.name(), role.component))
                .addNewPort().withName("vrrp-peer").withPort(role.port).withTargetPort(new IntOrString(role.port))
                .endPort()
                .endSpec()
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
                .withCommand("/bin/bash", CONFIG_DIR + "/" + START_SCRIPT, role.key(), String.valueOf(role.port))
                .addNewEnv().withName("HOST_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.hostIP")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("CONFIG_DIR").withValue(CONFIG_DIR).endEnv()
                .addNewEnv().withName("STATE_DIR").withValue(STATE_DIR).endEnv()
                .addNewEnv().withName("PEERS_HOST").withValue(stack.serviceHost(peerServiceName(stack, role))).endEnv()
                // The sidecar removes its address from the node when it stops or finds it there at start (a
                // keepalived stopped in the middle of becoming MASTER can leave it: two holders after).
                .addNewEnv().withName("VIP_ADDRESS").withValue(settings(stack, role).virtualAddress()).endEnv()
                .addNewEnv().withName("VIP_INTERFACE").withValue(settings(stack, role).networkInterface()).endEnv()
                .addNewEnv().withName(VrrpAuth.ENV).withNewValueFrom().withNewSecretKeyRef()
                .withName(stack.names().vrrpAuth()).withKey(VrrpAuth.KEY).endSecretKeyRef().endValueFrom().endEnv()
                .withSecurityContext(ContainerSecurity.readOnlyRoot(ContainerSecurity.keepalived()))
                .withNewResources().addToRequests("cpu", new Quantity("10m"))
                .addToRequests("memory", new Quantity("16Mi")).addToLimits("memory", new Quantity("64Mi"))
                .endResources()
                .addNewVolumeMount().withName("vip-config").withMountPath(CONFIG_DIR).endVolumeMount()
                // The rendered keepalived.conf (/tmp), keepalived's pid files and the track file (/run).
                .addToVolumeMounts(ContainerSecurity.scratchMount("keepalived-tmp", "/tmp"),
                        ContainerSecurity.scratchMount("keepalived-run", "/run"))
                .build());
        template.getSpec().getVolumes().add(new VolumeBuilder().withName("vip-config").withNewConfigMap()
                .withName(stack.names().vipConfig()).withDefaultMode(0755).endConfigMap().build());
        template.getSpec().getVolumes().add(ContainerSecurity.scratchVolume("keepalived-tmp", "16Mi"));
        template.getSpec().getVolumes().add(ContainerSecurity.scratchVolume("keepalived-run", "16Mi"));
    }
}

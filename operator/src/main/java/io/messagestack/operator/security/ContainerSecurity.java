package io.messagestack.operator.security;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

import java.util.List;

/**
 * The securityContext of every container the operator renders (issue 12, least privilege): Pod Security Standard
 * "restricted" (runAsNonRoot with a fixed uid, allowPrivilegeEscalation false, every capability dropped, seccomp
 * RuntimeDefault) wherever the program allows it. The exceptions, each for one reason: keepalived runs as root
 * with only NET_ADMIN and NET_RAW (it moves an address and speaks VRRP on the host network), and nginx on the host
 * network (VIP mode) may raise the one capability its binary carries, NET_BIND_SERVICE, to listen on port 80.
 * The root filesystem is read-only for nginx, HAProxy, message-api, keepalived and galera-agent (readOnlyRoot): the
 * agent writes only into the data volume, the others only to a small emptyDir at /tmp (and /run for keepalived).
 * The database container's stays writable for now.
 */
public final class ContainerSecurity {
    /** message-api's image user (the Quarkus image convention). */
    public static final long MESSAGE_API_UID = 185;
    /** nginx runs as Debian's www-data, whose uid is fixed at 33. */
    public static final long NGINX_UID = 33;
    /**
     * HAProxy reads its config from a ConfigMap and writes no file (no stats socket, -db), so any non-root uid
     * works; 99 is the haproxy user of the upstream image. The Debian-built image's haproxy user has no fixed uid,
     * and runAsNonRoot cannot verify a user given by name.
     */
    public static final long HAPROXY_UID = 99;
    /** The sysctl that lets a non-root nginx bind port 80 without any capability (not on the host network). */
    public static final String UNPRIVILEGED_PORT_SYSCTL = "net.ipv4.ip_unprivileged_port_start";

    private ContainerSecurity() {
    }

    /** Restricted: a fixed non-root uid, no privilege escalation, no capabilities, the runtime's seccomp filter. */
    public static SecurityContext restricted(long uid) {
        return restricted(uid, null);
    }

    /** Restricted, with a fixed group too (null: the image's group for that uid). */
    public static SecurityContext restricted(long uid, Long gid) {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(uid)
                .withRunAsGroup(gid)
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    /**
     * nginx. Its binary carries the file capability cap_net_bind_service (images/nginx): the capability must stay in
     * the bounding set, or the kernel refuses to run the binary. Off the host network the pod's sysctl opens port
     * 80 to any user, so nothing is raised and escalation is off; on the host network that sysctl is not allowed
     * (it is the node's), so the file capability is what lets nginx bind port 80 and escalation must stay on.
     */
    public static SecurityContext nginx(boolean hostNetwork) {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(NGINX_UID)
                .withAllowPrivilegeEscalation(hostNetwork)
                .withNewCapabilities().withDrop("ALL").withAdd("NET_BIND_SERVICE").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    /**
     * keepalived: NET_ADMIN moves the address, NET_RAW sends VRRP; nothing else. It runs no track script (a
     * track_file instead), so it needs no SETGID for the setgroups() keepalived does before scripts.
     */
    public static SecurityContext keepalived() {
        return new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").withAdd("NET_ADMIN", "NET_RAW").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    /** The same context with a read-only root filesystem; the container then writes only to its scratch volumes. */
    public static SecurityContext readOnlyRoot(SecurityContext context) {
        context.setReadOnlyRootFilesystem(true);
        return context;
    }

    /** A small in-pod scratch directory (emptyDir with a size limit) for a container with a read-only root. */
    public static Volume scratchVolume(String name, String sizeLimit) {
        return new VolumeBuilder().withName(name).withNewEmptyDir().withSizeLimit(new Quantity(sizeLimit))
                .endEmptyDir().build();
    }

    public static VolumeMount scratchMount(String name, String path) {
        return new VolumeMountBuilder().withName(name).withMountPath(path).build();
    }

    /** The pod's part: the runtime's seccomp filter for every container, and fsGroup where a volume needs it. */
    public static PodSecurityContext pod(Long fsGroup) {
        return new PodSecurityContextBuilder()
                .withFsGroup(fsGroup)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    /**
     * The frontend pod: off the host network, port 80 is opened to non-root users by the pod's own sysctl, and the
     * pod's other namespaced sysctls are set there too; on the host network they would be the node's, so none is.
     */
    public static PodSecurityContext frontendPod(boolean hostNetwork, List<Sysctl> sysctls) {
        PodSecurityContextBuilder b = new PodSecurityContextBuilder()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile();
        if (!hostNetwork) {
            b.addNewSysctl().withName(UNPRIVILEGED_PORT_SYSCTL).withValue("0").endSysctl();
            b.addAllToSysctls(sysctls);
        }
        return b.build();
    }
}

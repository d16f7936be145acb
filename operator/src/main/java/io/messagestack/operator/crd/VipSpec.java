package io.messagestack.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

public class VipSpec {
    /** A dotted IPv4 address, each octet 0-255. */
    public static final String IPV4 =
            "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$";

    @JsonPropertyDescription("Run keepalived next to nginx and HAProxy and hold the virtual addresses below.")
    @Default("false")
    public boolean enabled = false;

    @JsonPropertyDescription("keepalived image; empty means the operator's default. Refused unless the operator"
            + " runs with MESSAGESTACK_ALLOW_VIP_IMAGE_OVERRIDE=true: it runs with the host network and NET_ADMIN.")
    public String image;

    @JsonPropertyDescription("Network interface of the nodes that carries the virtual addresses.")
    @Default("eth0")
    @Pattern("^[a-zA-Z0-9._-]{1,15}$")
    public String networkInterface = "eth0";

    @JsonPropertyDescription("Virtual IPv4 address of the frontend (nginx).")
    @Pattern(IPV4)
    public String frontendAddress;

    @JsonPropertyDescription("Virtual IPv4 address of the database proxy (HAProxy).")
    @Pattern(IPV4)
    public String proxyAddress;

    @JsonPropertyDescription("VRRP router id (1-255) of the frontend address; unique on the network.")
    @Default("51")
    @Min(1)
    @Max(255)
    public int frontendRouterId = 51;

    @JsonPropertyDescription("VRRP router id (1-255) of the proxy address; unique on the network.")
    @Default("52")
    @Min(1)
    @Max(255)
    public int proxyRouterId = 52;
}

package io.messagestack.operator.database;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.messagestack.operator.common.ConfigHash;
import io.messagestack.operator.common.Labels;
import io.messagestack.operator.common.TestStacks;
import io.messagestack.operator.crd.Engine;
import io.messagestack.operator.crd.MessageStackSpec;
import io.messagestack.operator.crd.PlacementSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatabaseClusterTest {
    private static DatabaseCluster cluster(MessageStackSpec spec) {
        return new DatabaseCluster(TestStacks.stack(spec), "#!/bin/bash\necho start\n", spec.database.replicas);
    }

    @Test
    void statefulSetFollowsTheContract() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.engine = Engine.MARIADB_GALERA;
        StatefulSet sts = cluster(spec).statefulSet();
        assertEquals("shop-db", sts.getMetadata().getName());
        assertEquals("prod", sts.getMetadata().getNamespace());
        assertEquals(3, sts.getSpec().getReplicas());
        assertEquals("shop-db-peers", sts.getSpec().getServiceName());
        assertEquals("Parallel", sts.getSpec().getPodManagementPolicy());
        assertEquals(Labels.OPERATOR, sts.getSpec().getTemplate().getMetadata().getLabels().get(Labels.MANAGED_BY));

        Container db = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("database", db.getName());
        assertEquals("mariadb:10.11", db.getImage());
        assertEquals("/etc/messagestack/scripts/galera-start.sh", db.getCommand().get(1));
        Map<String, EnvVar> env = db.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertEquals("mariadb-galera", env.get("ENGINE").getValue());
        assertEquals("shop-db-peers", env.get("PEER_SERVICE").getValue());
        // The size comes from the config ConfigMap when the container starts, not from the pod template.
        assertNull(env.get("REPLICAS").getValue());
        assertEquals("shop-db-config", env.get("REPLICAS").getValueFrom().getConfigMapKeyRef().getName());
        assertEquals("3", cluster(spec).config().getData().get(env.get("REPLICAS").getValueFrom().getConfigMapKeyRef()
                .getKey()));
        assertEquals("shop", env.get("CLUSTER_NAME").getValue());
        assertEquals("metadata.name", env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath());
        for (String[] secret : new String[][] {{"MYSQL_ROOT_PASSWORD", "root"}, {"MONITOR_PASSWORD", "monitor"},
                {"APP_PASSWORD", "app"}, {"SST_PASSWORD", "sst"}, {"BACKUP_PASSWORD", "backup"}}) {
            assertEquals("shop-db-credentials", env.get(secret[0]).getValueFrom().getSecretKeyRef().getName());
            assertEquals(secret[1], env.get(secret[0]).getValueFrom().getSecretKeyRef().getKey());
            assertNull(env.get(secret[0]).getValue(), "passwords never appear in the pod spec");
        }
        assertEquals(9200, db.getReadinessProbe().getHttpGet().getPort().getIntVal());
        assertEquals("/health", db.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/live", db.getLivenessProbe().getHttpGet().getPath());
        assertEquals(999L, sts.getSpec().getTemplate().getSpec().getSecurityContext().getFsGroup());

        Container agent = sts.getSpec().getTemplate().getSpec().getContainers().get(1);
        assertEquals("agent", agent.getName());
        assertEquals(999L, agent.getSecurityContext().getRunAsUser());
        assertEquals(9200, agent.getPorts().get(0).getContainerPort());
        assertTrue(agent.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/var/lib/mysql")));
    }

    @Test
    void theAgentLogsInOnMariadbsExtraPortAndReportsTheApplicationsPort() {
        java.util.function.Function<Engine, Map<String, EnvVar>> agentEnv = engine -> {
            MessageStackSpec spec = new MessageStackSpec();
            spec.database.engine = engine;
            return cluster(spec).statefulSet().getSpec().getTemplate().getSpec().getContainers().get(1).getEnv()
                    .stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        };
        Map<String, EnvVar> maria = agentEnv.apply(Engine.MARIADB_GALERA);
        assertEquals("3307", maria.get("MYSQL_MONITOR_PORT").getValue());
        assertEquals(Integer.toString(MyCnfRenderer.EXTRA_PORT), maria.get("MYSQL_MONITOR_PORT").getValue());
        assertEquals("127.0.0.1", maria.get("MYSQL_HOST").getValue());
        assertEquals("3306", maria.get("MYSQL_PORT").getValue(), "/state reports where the application's sessions are");
        // No extra_port in Percona XtraDB Cluster: its agent stays on the SQL port.
        assertFalse(agentEnv.apply(Engine.PERCONA_XTRADB_CLUSTER).containsKey("MYSQL_MONITOR_PORT"));
    }

    @Test
    void theBinlogUsersPasswordReachesTheNodesOnlyWithPointInTimeRecovery() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.engine = io.messagestack.operator.crd.Engine.MARIADB_GALERA;
        spec.backup = new io.messagestack.operator.crd.BackupSpec();
        java.util.function.Function<MessageStackSpec, Map<String, EnvVar>> env = s -> cluster(s).statefulSet().getSpec()
                .getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertNull(env.apply(spec).get("BINLOG_PASSWORD"), "PITR off: no binlog user is created");
        spec.backup.pointInTimeRecovery.enabled = true;
        EnvVar pw = env.apply(spec).get("BINLOG_PASSWORD");
        assertEquals("binlog", pw.getValueFrom().getSecretKeyRef().getKey());
        assertNull(pw.getValue(), "passwords never appear in the pod spec");
        assertEquals("binlog", env.apply(spec).get("BINLOG_USER").getValue());
    }

    @Test
    void onlyTheAgentContainerMountsTheBootstrapToken() {
        StatefulSet sts = cluster(new MessageStackSpec()).statefulSet();
        var pod = sts.getSpec().getTemplate().getSpec();
        var volume = pod.getVolumes().stream().filter(v -> v.getName().equals("agent-token")).findFirst().orElseThrow();
        assertEquals("shop-db-agent-token", volume.getSecret().getSecretName());
        assertEquals(0440, volume.getSecret().getDefaultMode(), "group-readable through fsGroup, not world-readable");
        Container db = pod.getContainers().get(0);
        Container agent = pod.getContainers().get(1);
        assertTrue(db.getVolumeMounts().stream().noneMatch(m -> m.getName().equals("agent-token")));
        var mount = agent.getVolumeMounts().stream().filter(m -> m.getName().equals("agent-token")).findFirst()
                .orElseThrow();
        assertEquals("/etc/messagestack/agent-token", mount.getMountPath());
        assertTrue(mount.getReadOnly());
        assertTrue(agent.getEnv().stream().anyMatch(e -> e.getName().equals("AGENT_TOKEN_FILE")
                && e.getValue().equals("/etc/messagestack/agent-token/token")));
        assertTrue(agent.getEnv().stream().anyMatch(e -> e.getName().equals("PEER_SERVICE_HOST")
                && e.getValue().startsWith("shop-db-peers.")), agent.getEnv().toString());
    }

    @Test
    void theDatabaseContainerRunsTheGaleraAgentBinaryThatTheInitContainerCopies() {
        StatefulSet sts = cluster(new MessageStackSpec()).statefulSet();
        var pod = sts.getSpec().getTemplate().getSpec();
        var volume = pod.getVolumes().stream().filter(v -> v.getName().equals("dataplane-bin")).findFirst()
                .orElseThrow();
        assertNotNull(volume.getEmptyDir(), "an emptyDir: the binary lives as long as the pod");
        assertEquals(1, pod.getInitContainers().size());
        Container init = pod.getInitContainers().get(0);
        assertEquals("messagestack/galera-agent:dev", init.getImage(), "the same image as the agent sidecar");
        assertEquals(java.util.List.of("/usr/local/bin/galera-agent", "install", "/opt/messagestack/bin/galera-agent"),
                init.getCommand());
        assertEquals(pod.getContainers().get(0).getSecurityContext().getRunAsUser(),
                init.getSecurityContext().getRunAsUser(), "the database's uid (Percona 1001, MariaDB 999)");
        assertEquals(Boolean.FALSE, init.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(Boolean.TRUE, init.getSecurityContext().getReadOnlyRootFilesystem());
        assertTrue(init.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("dataplane-bin")
                && m.getMountPath().equals("/opt/messagestack/bin") && !Boolean.TRUE.equals(m.getReadOnly())));
        Container db = pod.getContainers().get(0);
        assertTrue(db.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("dataplane-bin")
                && m.getMountPath().equals("/opt/messagestack/bin") && m.getReadOnly()), "read-only for the database");
        Map<String, EnvVar> env = db.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertEquals("/opt/messagestack/bin/galera-agent", env.get("GALERA_AGENT").getValue());
        assertEquals("sst", env.get("SST_USER").getValue());
        assertEquals("backup", env.get("BACKUP_USER").getValue());
        Container agent = pod.getContainers().get(1);
        assertTrue(agent.getEnv().stream().noneMatch(e -> e.getName().startsWith("SST_")
                || e.getName().startsWith("BACKUP_") || e.getName().equals("MYSQL_ROOT_PASSWORD")), "the agent holds only the monitor password");
    }

    @Test
    void databaseDrainsBeforeItStops() {
        StatefulSet sts = cluster(new MessageStackSpec()).statefulSet();
        Container db = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(java.util.List.of("/bin/bash", "/etc/messagestack/scripts/galera-start.sh", "drain"),
                db.getLifecycle().getPreStop().getExec().getCommand());
        // The drain waits up to 15 s; the server then needs time for a clean shutdown (grastate.dat).
        assertTrue(sts.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() >= 45);
    }

    @Test
    void volumesAreKeptUnlessTheSpecAsksOtherwise() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.database.storage.size = "5Gi";
        spec.database.storage.storageClassName = "fast";
        StatefulSet sts = cluster(spec).statefulSet();
        assertEquals("Retain", sts.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted());
        var claim = sts.getSpec().getVolumeClaimTemplates().get(0);
        assertEquals("datadir", claim.getMetadata().getName());
        assertEquals("5Gi", claim.getSpec().getResources().getRequests().get("storage").toString());
        assertEquals("fast", claim.getSpec().getStorageClassName());
        spec.database.storage.deleteWithStack = true;
        assertEquals("Delete", cluster(spec).statefulSet().getSpec().getPersistentVolumeClaimRetentionPolicy()
                .getWhenDeleted());
    }

    @Test
    void configChangeChangesThePodTemplateHash() {
        MessageStackSpec spec = new MessageStackSpec();
        String before = cluster(spec).statefulSet().getSpec().getTemplate().getMetadata().getAnnotations()
                .get(ConfigHash.ANNOTATION);
        spec.database.config.put("max_connections", "10");
        String after = cluster(spec).statefulSet().getSpec().getTemplate().getMetadata().getAnnotations()
                .get(ConfigHash.ANNOTATION);
        assertNotNull(before);
        assertNotEquals(before, after);
    }

    @Test
    void scalingKeepsThePodTemplateSoRunningNodesAreNotRestarted() {
        MessageStackSpec spec = new MessageStackSpec();
        var three = cluster(spec).statefulSet().getSpec().getTemplate();
        spec.database.replicas = 5;
        StatefulSet five = cluster(spec).statefulSet();
        assertEquals(5, five.getSpec().getReplicas());
        assertEquals(three, five.getSpec().getTemplate(), "the pod template must not change with the size");
        assertEquals("5", cluster(spec).config().getData().get(DatabaseCluster.REPLICAS_KEY));
        // Scale-down keeps the removed nodes' volumes (their data makes a later scale-up an IST, not an SST).
        assertEquals("Retain", five.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled());
        assertTrue(cluster(spec).config().getData().keySet().stream()
                .filter(k -> k.endsWith(".cnf")).allMatch(DatabaseCluster.CONFIG_KEY::equals),
                "only my.cnf is a .cnf file in conf.d");
    }

    @Test
    void antiAffinityFollowsPlacement() {
        MessageStackSpec spec = new MessageStackSpec();
        spec.placement.antiAffinity = PlacementSpec.AntiAffinity.required;
        var affinity = cluster(spec).statefulSet().getSpec().getTemplate().getSpec().getAffinity();
        assertEquals("kubernetes.io/hostname", affinity.getPodAntiAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().get(0).getTopologyKey());
        spec.placement.antiAffinity = PlacementSpec.AntiAffinity.preferred;
        assertEquals(1, cluster(spec).statefulSet().getSpec().getTemplate().getSpec().getAffinity()
                .getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution().size());
        spec.placement.antiAffinity = PlacementSpec.AntiAffinity.none;
        assertNull(cluster(spec).statefulSet().getSpec().getTemplate().getSpec().getAffinity());
    }

    @Test
    void peerServicePublishesNotReadyAddressesForDiscovery() {
        Service peers = cluster(new MessageStackSpec()).peerService();
        assertEquals("shop-db-peers", peers.getMetadata().getName());
        assertEquals("None", peers.getSpec().getClusterIP());
        assertTrue(peers.getSpec().getPublishNotReadyAddresses());
        assertTrue(peers.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == 4567));
        assertEquals("shop-db", cluster(new MessageStackSpec()).clientService().getMetadata().getName());
    }

    @Test
    void scriptsAndConfigConfigMaps() {
        DatabaseCluster db = cluster(new MessageStackSpec());
        assertEquals("shop-db-scripts", db.scripts().getMetadata().getName());
        assertTrue(db.scripts().getData().get("galera-start.sh").startsWith("#!/bin/bash"));
        assertEquals("shop-db-config", db.config().getMetadata().getName());
        assertTrue(db.config().getData().get("messagestack.cnf").contains("wsrep_cluster_name = shop"));
        assertEquals(1, db.disruptionBudget().getSpec().getMaxUnavailable().getIntVal());
    }

    /**
     * The writer's budget and the database budget never select the same pod (the eviction API refuses a pod in two
     * budgets with 500, which fails a drain): checked on the label selectors as the API server evaluates them.
     */
    @Test
    void writerAndDatabaseBudgetsSplitThePods() {
        DatabaseCluster db = cluster(new MessageStackSpec());
        var writer = db.writerDisruptionBudget(List.of(2, 0));
        var rest = db.disruptionBudgetExcluding(List.of(0, 2));
        assertEquals("shop-db-writer", writer.getMetadata().getName());
        // Integer minAvailable on both: the disruption controller then counts the selected pods (with maxUnavailable
        // it counts the StatefulSet's scale, and the 2 of 3 pods of the database budget could never be evicted).
        assertEquals(2, writer.getSpec().getMinAvailable().getIntVal(), "both protected pods stay");
        assertNull(writer.getSpec().getMaxUnavailable());
        assertEquals("AlwaysAllow", writer.getSpec().getUnhealthyPodEvictionPolicy());
        assertEquals(0, rest.getSpec().getMinAvailable().getIntVal(), "3 nodes, 2 protected: the third may go");
        assertNull(rest.getSpec().getMaxUnavailable());
        assertEquals(1, db.disruptionBudgetExcluding(List.of(1)).getSpec().getMinAvailable().getIntVal(),
                "3 nodes, the writer protected: one of the other two at a time");
        assertEquals(java.util.Set.of(0, 2), DatabaseCluster.ordinalsOf(writer, "shop-db"));
        assertTrue(DatabaseCluster.ordinalsOf(rest, "shop-db").isEmpty());
        for (int i = 0; i < 4; i++) {
            Map<String, String> labels = new java.util.HashMap<>(Labels.selector("shop", "database"));
            labels.put(DatabaseCluster.STATEFUL_SET_POD_NAME, "shop-db-" + i);
            boolean inWriter = selects(writer, labels);
            boolean inRest = selects(rest, labels);
            assertTrue(inWriter != inRest, "shop-db-" + i + " in exactly one budget: writer " + inWriter
                    + ", database " + inRest);
            assertEquals(i == 0 || i == 2, inWriter, "shop-db-" + i);
        }
        var all = db.disruptionBudgetExcluding(List.of()).getSpec().getSelector().getMatchExpressions();
        assertTrue(all == null || all.isEmpty(), "no exclusion: every database pod");
    }

    /** A label selector's match as Kubernetes defines it (matchLabels and In / NotIn expressions). */
    private static boolean selects(io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget pdb,
                                   Map<String, String> labels) {
        var selector = pdb.getSpec().getSelector();
        boolean labelsMatch = selector.getMatchLabels().entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        boolean expressionsMatch = selector.getMatchExpressions() == null || selector.getMatchExpressions().stream()
                .allMatch(e -> switch (e.getOperator()) {
                    case "In" -> labels.containsKey(e.getKey()) && e.getValues().contains(labels.get(e.getKey()));
                    case "NotIn" -> !labels.containsKey(e.getKey()) || !e.getValues().contains(labels.get(e.getKey()));
                    default -> throw new AssertionError("operator " + e.getOperator());
                });
        return labelsMatch && expressionsMatch;
    }
}

package io.lingma.gateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.lingma.gateway.auth.ApiKeyStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pod of the {@code single} overlay, played on this machine: a working directory laid out like the image's,
 * the routes ConfigMap as the kubelet mounts it ({@code ..data} symlink to a timestamped directory), the init
 * container's and the sidecar's {@code lingma-sync-routes}, and the gateway started by {@code bin/lingma-gateway}
 * with the container's arguments (on the simulator, on loopback ports of this test). Every probe of the Deployment
 * answers 200 on the port it names, and a ConfigMap update reaches the running routes.
 */
class DeploymentContainerTest {

    private static final int PORT = 18266;
    private static final int MANAGEMENT = 18267;
    private static final Path POD = Path.of("target", "pod");
    private static final Path WORKDIR = POD.resolve("opt-lingma-gateway");
    private static final Path MOUNT = POD.resolve("etc-lingma-gateway-routes");
    private static final Path CREDENTIALS = POD.resolve("etc-lingma-gateway-credentials");
    private static final String API_KEY = "sk-deploy-test-key";
    private static final String METRICS_TOKEN = "deploy-test-metrics-token";

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            Launcher.stop(p, Duration.ofSeconds(20));
        }
    }

    @Test
    void theProbesAnswerAndConfigMapEditsReachTheRunningRoutes() throws Exception {
        List<ObjectNode> resources = KubernetesManifestsTest.render("single");
        Deployment deployment = (Deployment) KubernetesManifestsTest.typed(
                Kustomize.find(resources, "Deployment", "lingma-gateway"));
        var pod = deployment.getSpec().getTemplate().getSpec();
        Container gateway = container(pod.getContainers(), "gateway");
        JsonNode routesMap = Kustomize.find(resources, "ConfigMap", "lingma-gateway-routes").path("data");
        JsonNode config = Kustomize.ofKind(resources, "ConfigMap").stream()
                .filter(c -> c.at("/metadata/name").asText().startsWith("lingma-gateway-config-")).findFirst()
                .orElseThrow().path("data");

        deleteTree(POD);
        Files.createDirectories(WORKDIR.resolve("routes"));
        Files.writeString(WORKDIR.resolve("application.properties"), config.path("application.properties").asText());
        Map<String, String> files = new HashMap<>();
        routesMap.fields().forEachRemaining(f -> files.put(f.getKey(), f.getValue().asText()));
        files.put("reload-probe.camel.yaml", probeRoute("v1"));
        mountConfigMap(files, "..2026_01_01_00_00_00.000000001");

        // the init container, then the gateway with the container's arguments
        Container init = container(pod.getInitContainers(), "routes-init");
        assertThat(init.getCommand()).contains("--once");
        Process once = sync(init.getCommand(), "init");
        assertThat(once.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(once.exitValue()).isZero();
        assertThat(WORKDIR.resolve("routes/chat.camel.yaml")).hasContent(files.get("chat.camel.yaml"));

        // the Secret as its volume holds it, with test values for the placeholders
        Map<String, String> secret = secretVolume(Kustomize.find(resources, "Secret", "lingma-gateway-credentials"));
        Map<String, String> env = new HashMap<>();
        for (var e : gateway.getEnv()) {
            env.put(e.getName(), e.getValue() != null ? e.getValue()
                    : secret.get(e.getValueFrom().getSecretKeyRef().getKey()));
        }
        List<String> args = new ArrayList<>();
        for (String arg : gateway.getArgs()) {
            args.add(arg.replace("/etc/lingma-gateway/credentials", CREDENTIALS.toAbsolutePath().toString()));
        }
        // the Lingma API is not reachable from a test: the simulator stands in, on this test's loopback ports
        args.addAll(List.of("--gateway.backend=simulator", "--gateway.http.host=127.0.0.1",
                "--gateway.http.port=" + PORT, "--gateway.management.port=" + MANAGEMENT,
                "--gateway.ipc.cwd=" + POD.toAbsolutePath().resolve("agent-cwd")));
        Process gw = Launcher.start("deployment-container", WORKDIR, env, args.toArray(String[]::new));
        processes.add(gw);
        Map<String, Integer> ports = Map.of("http", PORT, "management", MANAGEMENT);
        Map<String, Integer> containerPorts = new HashMap<>();
        gateway.getPorts().forEach(p -> containerPorts.put(p.getName(), p.getContainerPort()));
        assertThat(containerPorts).containsOnlyKeys(ports.keySet());
        Probe startup = gateway.getStartupProbe();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .until(() -> !gw.isAlive() || Launcher.status(url(ports, startup)) == 200);
        assertThat(gw.isAlive()).as("gateway running, see " + Launcher.log("deployment-container")).isTrue();
        for (Probe probe : List.of(startup, gateway.getLivenessProbe(), gateway.getReadinessProbe())) {
            assertThat(Launcher.status(url(ports, probe))).as(url(ports, probe)).isEqualTo(200);
        }
        assertThat(Launcher.get("http://127.0.0.1:" + PORT + "/reload-probe").body()).isEqualTo("v1");
        // the keys file and the metrics token of the Secret are in force
        String models = "http://127.0.0.1:" + PORT + "/v1/models";
        assertThat(Launcher.status(models)).isEqualTo(401);
        assertThat(Launcher.get(models, "Authorization", "Bearer " + API_KEY).statusCode()).isEqualTo(200);
        String metrics = "http://127.0.0.1:" + MANAGEMENT + "/observe/metrics";
        assertThat(Launcher.status(metrics)).isEqualTo(401);
        assertThat(Launcher.get(metrics, "Authorization", "Bearer " + METRICS_TOKEN).statusCode()).isEqualTo(200);

        // the sidecar, then a ConfigMap update as the kubelet writes it
        Process sidecar = sync(container(pod.getContainers(), "routes-sync").getCommand(), "sidecar");
        String v2 = probeRoute("v2");
        files.put("reload-probe.camel.yaml", v2);
        mountConfigMap(files, "..2026_01_01_00_05_00.000000002");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> "v2".equals(body("http://127.0.0.1:" + PORT + "/reload-probe")));
        assertThat(WORKDIR.resolve("routes/reload-probe.camel.yaml")).hasContent(v2);
        assertThat(Launcher.status(url(ports, gateway.getReadinessProbe()))).isEqualTo(200);

        // SIGTERM ends the sidecar at once (PID 1 of its container: it needs its own handler)
        sidecar.destroy();
        assertThat(sidecar.waitFor(5, TimeUnit.SECONDS)).as("sidecar exited on SIGTERM").isTrue();
    }

    /**
     * Writes the Secret's entries into {@link #CREDENTIALS} as its volume would, the placeholders replaced by this
     * test's API key digest and metrics token.
     *
     * @return the entries as written
     */
    private static Map<String, String> secretVolume(JsonNode secret) throws IOException {
        Files.createDirectories(CREDENTIALS);
        Map<String, String> entries = new HashMap<>();
        secret.path("stringData").fields().forEachRemaining(f -> entries.put(f.getKey(), f.getValue().asText()
                .replace("sha256: REPLACE_ME", "sha256: " + ApiKeyStore.sha256Hex(API_KEY))
                .replace("REPLACE_ME", f.getKey().equals("metrics-token") ? METRICS_TOKEN : "REPLACE_ME")));
        for (var e : entries.entrySet()) {
            Files.writeString(CREDENTIALS.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
        }
        return entries;
    }

    private static String probeRoute(String answer) {
        return """
                - route:
                    id: reload-probe
                    from:
                      uri: platform-http:/reload-probe
                      parameters:
                        httpMethodRestrict: GET
                      steps:
                        - setBody:
                            constant: "%s"
                """.formatted(answer);
    }

    /**
     * Writes {@code files} the way the kubelet updates a ConfigMap volume: a new timestamped directory, an atomic
     * swap of the {@code ..data} symlink, and one symlink per key into {@code ..data}.
     */
    private static void mountConfigMap(Map<String, String> files, String timestamped) throws IOException {
        Files.createDirectories(MOUNT);
        Path dir = MOUNT.resolve(timestamped);
        Files.createDirectories(dir);
        for (var f : files.entrySet()) {
            Files.writeString(dir.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
        }
        Path tmp = MOUNT.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(timestamped));
        Files.move(tmp, MOUNT.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (String name : files.keySet()) {
            Path link = MOUNT.resolve(name);
            if (!Files.isSymbolicLink(link)) {
                Files.createSymbolicLink(link, Path.of("..data", name));
            }
        }
    }

    /** Runs a container's lingma-sync-routes command with its image paths mapped into {@link #POD}. */
    private Process sync(List<String> command, String name) throws IOException {
        List<String> local = new ArrayList<>(List.of("/bin/sh", "bin/lingma-sync-routes"));
        for (String arg : command.subList(1, command.size())) {
            local.add(arg.replace("/etc/lingma-gateway/routes", MOUNT.toString())
                    .replace("/opt/lingma-gateway", WORKDIR.toString()));
        }
        Process p = new ProcessBuilder(local).redirectErrorStream(true)
                .redirectOutput(Launcher.log("sync-" + name).toFile()).start();
        processes.add(p);
        return p;
    }

    private static String url(Map<String, Integer> ports, Probe probe) {
        return "http://127.0.0.1:" + ports.get(probe.getHttpGet().getPort().getStrVal()) + probe.getHttpGet().getPath();
    }

    private static String body(String url) {
        HttpResponse<String> r = Launcher.get(url);
        return r == null ? null : r.body();
    }

    private static Container container(List<Container> containers, String name) {
        return containers.stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

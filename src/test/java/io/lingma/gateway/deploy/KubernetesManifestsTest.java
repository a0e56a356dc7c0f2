package io.lingma.gateway.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kustomize manifests of {@code deploy/kubernetes} as the cluster would see them: both overlays rendered
 * ({@link Kustomize}), every resource a typed fabric8 model object without a field the model does not know, applied
 * to fabric8's Kubernetes mock API server (CRUD mode), consistent with the image ({@code deploy/Dockerfile}) and the
 * gateway's settings, and the ConfigMap's routes and settings the repository's own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesManifestsTest {

    private static final Path KUBERNETES = Path.of("deploy", "kubernetes");
    private static final String NAMESPACE = "lingma";
    /** The model's own deserializer, with unknown fields an error where the model has no catch-all for them. */
    static final KubernetesSerialization MODEL = new KubernetesSerialization(
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES), true);

    private MockApiServer server;
    private KubernetesClient client;

    @BeforeAll
    void startApiServer() throws IOException {
        server = new MockApiServer(18270, NAMESPACE);
        client = server.client;
    }

    @AfterAll
    void stopApiServer() {
        server.close();
    }

    static List<ObjectNode> render(String overlay) throws IOException {
        return Kustomize.render(KUBERNETES.resolve("overlays").resolve(overlay));
    }

    /**
     * @param resource a manifest as a tree
     * @return it as the fabric8 model class of its kind; fails for a kind fabric8 does not model
     */
    static HasMetadata typed(JsonNode resource) {
        Object parsed = MODEL.unmarshal(resource.toString(), KubernetesResource.class);
        assertThat(parsed).as("%s is a kind the Kubernetes model knows", resource.path("kind").asText())
                .isInstanceOf(HasMetadata.class).isNotInstanceOf(GenericKubernetesResource.class);
        return (HasMetadata) parsed;
    }

    /**
     * The model keeps fields it does not know in {@code additionalProperties} instead of failing, so each object
     * of the parsed tree is asked for them.
     *
     * @return {@code path: [fields]} of every unknown field
     */
    static List<String> unknownFields(Object model) {
        List<String> found = new ArrayList<>();
        walk(model, "", found);
        return found;
    }

    private static void walk(Object value, String path, List<String> found) {
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), path + "[" + i + "]", found);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "[" + k + "]", found));
            return;
        }
        if (value == null || !value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            String field = getter.getName().substring(3);
            if (field.equals("AdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    found.add((path.isEmpty() ? "" : path) + ": " + extra.keySet());
                }
            } else {
                walk(child, path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1), found);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"single", "team"})
    void everyResourceIsATypedModelObjectWithoutUnknownFields(String overlay) throws IOException {
        List<ObjectNode> resources = render(overlay);
        assertThat(resources).extracting(r -> r.path("kind").asText())
                .contains("Deployment", "Service", "ConfigMap", "Secret", "NetworkPolicy");
        for (ObjectNode resource : resources) {
            HasMetadata model = typed(resource);
            assertThat(unknownFields(model)).as("unknown fields of %s %s", model.getKind(),
                    model.getMetadata().getName()).isEmpty();
        }
    }

    @Test
    void theUnknownFieldCheckCatchesAMisspelledField() throws IOException {
        ObjectNode deployment = Kustomize.find(render("single"), "Deployment", "lingma-gateway").deepCopy();
        ((ObjectNode) deployment.at("/spec/template/spec/containers/0/readinessProbe")).put("periodSecond", 5);
        assertThat(unknownFields(typed(deployment))).singleElement().asString()
                .contains("readinessProbe").contains("periodSecond");
    }

    @ParameterizedTest
    @ValueSource(strings = {"single", "team"})
    void theApiServerAcceptsEveryResource(String overlay) throws IOException {
        List<ObjectNode> resources = render(overlay);
        for (ObjectNode resource : resources) {
            HasMetadata model = typed(resource);
            model.getMetadata().setNamespace(NAMESPACE);
            client.resource(model).inNamespace(NAMESPACE).delete();
            HasMetadata created = client.resource(model).inNamespace(NAMESPACE).create();
            HasMetadata stored = client.resource(created).inNamespace(NAMESPACE).get();
            assertThat(stored).as("%s %s stored", model.getKind(), model.getMetadata().getName()).isNotNull();
            JsonNode sent = MODEL.convertValue(model, JsonNode.class);
            JsonNode got = MODEL.convertValue(stored, JsonNode.class);
            for (String part : List.of("spec", "data", "stringData")) {
                assertThat(got.path(part)).as("%s of %s", part, model.getKind()).isEqualTo(sent.path(part));
            }
        }
        assertThat(client.apps().deployments().inNamespace(NAMESPACE).withName("lingma-gateway").get()).isNotNull();
    }

    @Test
    void theConfigMapsHoldTheRepositorysRoutesAndSettings() throws IOException {
        List<ObjectNode> resources = render("single");
        JsonNode routes = Kustomize.find(resources, "ConfigMap", "lingma-gateway-routes").path("data");
        Map<String, String> repo = new TreeMap<>();
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".camel.yaml")).toList()) {
                repo.put(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        Map<String, String> mapped = new TreeMap<>();
        routes.fields().forEachRemaining(f -> mapped.put(f.getKey(), f.getValue().asText()));
        String sync = "; run: cp application.properties deploy/kubernetes/base/config/ && "
                + "cp routes/*.camel.yaml deploy/kubernetes/shared/routes/ (and list new route files in "
                + "deploy/kubernetes/shared/kustomization.yaml)";
        assertThat(mapped).as("the ConfigMap's routes are routes/*.camel.yaml" + sync).isEqualTo(repo);
        ObjectNode config = Kustomize.ofKind(resources, "ConfigMap").stream()
                .filter(c -> c.at("/metadata/name").asText().startsWith("lingma-gateway-config-")).findFirst()
                .orElseThrow();
        assertThat(config.at("/data/application.properties").asText())
                .as("the ConfigMap's application.properties is the repository's" + sync)
                .isEqualTo(Files.readString(Path.of("application.properties"), StandardCharsets.UTF_8));
        // the generated name (with its content hash) is the one the Deployment mounts
        JsonNode volumes = Kustomize.find(resources, "Deployment", "lingma-gateway").at("/spec/template/spec/volumes");
        assertThat(volumes.findValuesAsText("name")).contains(config.at("/metadata/name").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"single", "team"})
    void theDeploymentFitsTheImageTheSettingsAndItsOwnResources(String overlay) throws IOException {
        List<ObjectNode> resources = render(overlay);
        Deployment deployment = (Deployment) typed(Kustomize.find(resources, "Deployment", "lingma-gateway"));
        var pod = deployment.getSpec().getTemplate().getSpec();
        var gateway = pod.getContainers().stream().filter(c -> c.getName().equals("gateway")).findFirst().orElseThrow();
        Properties settings = new Properties();
        settings.load(new StringReader(Files.readString(Path.of("application.properties"))));
        String dockerfile = Files.readString(Path.of("deploy", "Dockerfile"));
        String workdir = dockerfileValue(dockerfile, "WORKDIR");

        // the image: its working directory holds the files the ConfigMaps replace, its user is the pod's
        Map<String, String> mounts = new HashMap<>();
        gateway.getVolumeMounts().forEach(m -> mounts.put(m.getMountPath(), m.getName()));
        assertThat(mounts).containsEntry(workdir + "/application.properties", "config")
                .containsEntry(workdir + "/routes", "routes");
        assertThat(dockerfileValue(dockerfile, "USER")).startsWith(pod.getSecurityContext().getRunAsUser() + ":");
        assertThat(dockerfile).contains("ENTRYPOINT [\"" + workdir + "/bin/lingma-gateway\"]");
        assertThat(pod.getInitContainers()).allSatisfy(c -> assertThat(c.getCommand().get(0))
                .isEqualTo(workdir + "/bin/lingma-sync-routes"));
        assertThat(Path.of("bin", "lingma-sync-routes")).isExecutable();

        // the settings: ports, the credential file, routes reload of the directory the routes are copied to
        Map<String, Integer> ports = new HashMap<>();
        gateway.getPorts().forEach(p -> ports.put(p.getName(), p.getContainerPort()));
        assertThat(ports).containsEntry("http", Integer.valueOf(settings.getProperty("gateway.http.port")))
                .containsEntry("management", Integer.valueOf(settings.getProperty("gateway.management.port")));
        assertThat(gateway.getArgs()).contains("--gateway.backend=remote", "--gateway.http.host=0.0.0.0",
                "--camel.main.routes-reload-enabled=true");
        assertThat(workdir + "/" + settings.getProperty("camel.main.routes-reload-directory"))
                .isEqualTo(workdir + "/routes");
        String authFile = argument(gateway.getArgs(), "gateway.remote.auth-file");
        var credentialsMount = gateway.getVolumeMounts().stream().filter(m -> m.getName().equals("credentials"))
                .findFirst().orElseThrow();
        assertThat(Path.of(authFile).getParent()).isEqualTo(Path.of(credentialsMount.getMountPath()));
        JsonNode secret = Kustomize.find(resources, "Secret", "lingma-gateway-credentials").path("stringData");
        String credentialFile = secret.path(Path.of(authFile).getFileName().toString()).asText();
        JsonNode auth = new ObjectMapper().readTree(credentialFile).path("auth");
        assertThat(auth.fieldNames()).toIterable()
                .containsExactlyInAnyOrder("cosy_key", "encrypt_user_info", "user_id", "machine_id");
        // bound to 0.0.0.0 the gateway starts only with API keys: the keys file of the same Secret
        String keysFile = argument(gateway.getArgs(), "gateway.auth.keys-file");
        assertThat(Path.of(keysFile).getParent()).isEqualTo(Path.of(credentialsMount.getMountPath()));
        JsonNode keys = Kustomize.YAML.readTree(secret.path(Path.of(keysFile).getFileName().toString()).asText());
        assertThat(keys.path("keys")).isNotEmpty();
        keys.path("keys").forEach(k -> assertThat(k.path("sha256").asText()).as("a digest placeholder, no key")
                .isEqualTo("REPLACE_ME"));
        assertThat(gateway.getArgs()).noneMatch(a -> a.startsWith("--gateway.auth.allow-anonymous"));
        var metricsToken = gateway.getEnv().stream().filter(e -> e.getName().equals("GATEWAY_AUTH_METRICS_TOKEN"))
                .findFirst().orElseThrow().getValueFrom().getSecretKeyRef();
        assertThat(metricsToken.getName()).isEqualTo("lingma-gateway-credentials");
        assertThat(secret.has(metricsToken.getKey())).isTrue();
        // placeholders only, in every entry
        assertThat(secret.toString()).doesNotContainPattern("[0-9a-f]{32}");
        secret.fields().forEachRemaining(f -> assertThat(f.getValue().asText()).as(f.getKey()).contains("REPLACE_ME"));
        auth.forEach(v -> assertThat(v.asText()).as("the Secret holds placeholders only").isEqualTo("REPLACE_ME"));

        // its own resources: every volume, probe port, selector and reference resolves
        for (var volume : pod.getVolumes()) {
            if (volume.getConfigMap() != null) {
                Kustomize.find(resources, "ConfigMap", volume.getConfigMap().getName());
            }
            if (volume.getSecret() != null) {
                Kustomize.find(resources, "Secret", volume.getSecret().getSecretName());
            }
        }
        for (var probe : List.of(gateway.getStartupProbe(), gateway.getLivenessProbe(), gateway.getReadinessProbe())) {
            assertThat(ports).containsKey(probe.getHttpGet().getPort().getStrVal());
        }
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
        JsonNode service = Kustomize.find(resources, "Service", "lingma-gateway");
        assertThat(podLabels).containsAllEntriesOf(labels(service.at("/spec/selector")));
        service.at("/spec/ports").forEach(p -> assertThat(ports).containsKey(p.path("targetPort").asText()));
        for (ObjectNode selecting : Stream.of("NetworkPolicy", "PodDisruptionBudget")
                .flatMap(k -> Kustomize.ofKind(resources, k).stream()).toList()) {
            JsonNode selector = selecting.at("/spec/podSelector").isMissingNode()
                    ? selecting.at("/spec/selector/matchLabels") : selecting.at("/spec/podSelector/matchLabels");
            assertThat(podLabels).containsAllEntriesOf(labels(selector));
        }
        Kustomize.ofKind(resources, "HorizontalPodAutoscaler").forEach(h -> Kustomize.find(resources,
                h.at("/spec/scaleTargetRef/kind").asText(), h.at("/spec/scaleTargetRef/name").asText()));

        // shutdown: the grace period covers preStop and Camel's shutdown timeout
        int preStop = Integer.parseInt(gateway.getLifecycle().getPreStop().getExec().getCommand().get(1));
        int camel = Integer.parseInt(settings.getProperty("camel.main.shutdown-timeout"));
        assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThan(preStop + camel + 5L);
    }

    @Test
    void theOverlaysScaleAsDocumented() throws IOException {
        List<ObjectNode> single = render("single");
        assertThat(Kustomize.find(single, "Deployment", "lingma-gateway").at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(Kustomize.ofKind(single, "HorizontalPodAutoscaler")).isEmpty();
        assertThat(Kustomize.ofKind(single, "PodDisruptionBudget")).isEmpty();

        List<ObjectNode> team = render("team");
        ObjectNode deployment = Kustomize.find(team, "Deployment", "lingma-gateway");
        assertThat(deployment.at("/spec/replicas").isMissingNode()).as("replicas left to the autoscaler").isTrue();
        assertThat(deployment.at("/spec/template/spec/topologySpreadConstraints").size()).isEqualTo(1);
        JsonNode hpa = Kustomize.find(team, "HorizontalPodAutoscaler", "lingma-gateway");
        assertThat(hpa.at("/spec/minReplicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(hpa.at("/spec/maxReplicas").asInt()).isGreaterThan(hpa.at("/spec/minReplicas").asInt());
        assertThat(Kustomize.find(team, "PodDisruptionBudget", "lingma-gateway").at("/spec/maxUnavailable").asInt())
                .isEqualTo(1);
        assertThat(team).allSatisfy(r -> assertThat(r.toString()).doesNotContain("0.1.0-SNAPSHOT"));
    }

    /** @return the value of {@code --key=value} among the container's arguments */
    static String argument(List<String> args, String key) {
        return args.stream().filter(a -> a.startsWith("--" + key + "=")).map(a -> a.substring(key.length() + 3))
                .findFirst().orElseThrow(() -> new AssertionError("no --" + key));
    }

    private static Map<String, String> labels(JsonNode node) {
        Map<String, String> out = new HashMap<>();
        node.fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue().asText()));
        return out;
    }

    private static String dockerfileValue(String dockerfile, String instruction) {
        Matcher m = Pattern.compile("(?m)^" + instruction + "\\s+(\\S+)\\s*$").matcher(dockerfile);
        assertThat(m.find()).as("%s in deploy/Dockerfile", instruction).isTrue();
        return m.group(1);
    }
}

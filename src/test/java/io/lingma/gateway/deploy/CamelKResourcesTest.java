package io.lingma.gateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lingma.gateway.auth.ApiKeyStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Camel K resources — the Integration ({@code deploy/camel-k}), the Pipe example and the Kamelets in
 * {@code kamelets/} — against the CRDs of Camel K 2.4 ({@code org.apache.camel.k:camel-k-crds}): valid by their
 * OpenAPI schemas (networknt json-schema-validator) with no field the schema does not declare (the API server
 * would prune it silently), accepted by fabric8's mock API server once the CRDs are installed there; the Kamelets'
 * own schemas complete (required, pattern, credentials), the Pipe's properties valid by the Kamelets' schemas, and
 * the Integration's probes served on its container port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CamelKResourcesTest {

    private static final String NAMESPACE = "lingma";
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);
    private static final Path PIPE = Path.of("deploy", "camel-k", "lingma-chat-pipe.yaml");

    private final Map<String, JsonNode> crdSchemas = new HashMap<>();
    private final Map<String, CustomResourceDefinition> crds = new HashMap<>();
    private MockApiServer server;
    private KubernetesClient client;

    @BeforeAll
    void loadCrdsAndStartApiServer() throws IOException {
        for (String plural : List.of("integrations", "pipes", "kamelets")) {
            try (InputStream in = getClass().getResourceAsStream("/camel.apache.org_" + plural + ".yaml")) {
                assertThat(in).as("CRD %s in camel-k-crds", plural).isNotNull();
                JsonNode crd = Kustomize.YAML.readTree(in);
                String kind = crd.at("/spec/names/kind").asText();
                for (JsonNode version : crd.at("/spec/versions")) {
                    if (version.path("name").asText().equals("v1")) {
                        crdSchemas.put(kind, version.at("/schema/openAPIV3Schema"));
                    }
                }
                crds.put(kind, KubernetesManifestsTest.MODEL.convertValue(crd, CustomResourceDefinition.class));
            }
        }
        server = new MockApiServer(18271, NAMESPACE);
        client = server.client;
        crds.values().forEach(crd -> client.apiextensions().v1().customResourceDefinitions().resource(crd).create());
    }

    @AfterAll
    void stopApiServer() {
        server.close();
    }

    private static List<ObjectNode> kamelets() throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("kamelets"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".kamelet.yaml")).sorted().toList()) {
                out.addAll(Kustomize.readAll(f));
            }
        }
        return out;
    }

    private static List<ObjectNode> camelK() throws IOException {
        return Kustomize.render(Path.of("deploy", "camel-k"));
    }

    private List<ObjectNode> customResources() throws IOException {
        List<ObjectNode> all = new ArrayList<>(Kustomize.ofKind(camelK(), "Integration"));
        all.addAll(Kustomize.ofKind(Kustomize.readAll(PIPE), "Pipe"));
        all.addAll(kamelets());
        return all;
    }

    @Test
    void theIntegrationPipeAndKameletsAreValidByTheCamelKCrds() throws IOException {
        List<ObjectNode> resources = customResources();
        assertThat(resources).extracting(r -> r.path("kind").asText())
                .containsOnly("Integration", "Pipe", "Kamelet").contains("Integration", "Pipe", "Kamelet");
        for (ObjectNode resource : resources) {
            String kind = resource.path("kind").asText();
            String what = kind + " " + resource.at("/metadata/name").asText();
            assertThat(resource.path("apiVersion").asText()).as(what).isEqualTo("camel.apache.org/v1");
            JsonNode schema = crdSchemas.get(kind);
            assertThat(messages(SCHEMAS.getSchema(schema).validate(resource))).as("schema errors of " + what).isEmpty();
            List<String> undeclared = new ArrayList<>();
            undeclared(schema, resource, "", undeclared);
            assertThat(undeclared).as("fields of %s the CRD does not declare", what).isEmpty();
        }
    }

    @Test
    void theUndeclaredFieldCheckCatchesAMisspelledTrait() throws IOException {
        ObjectNode integration = Kustomize.find(camelK(), "Integration", "lingma-gateway").deepCopy();
        ((ObjectNode) integration.at("/spec/traits/health")).put("livenessProbePath", "/x");
        List<String> undeclared = new ArrayList<>();
        undeclared(crdSchemas.get("Integration"), integration, "", undeclared);
        assertThat(undeclared).containsExactly("/spec/traits/health/livenessProbePath");
    }

    @Test
    void theApiServerAcceptsThemOnceTheCrdsAreInstalled() throws IOException {
        for (ObjectNode resource : customResources()) {
            GenericKubernetesResource cr = KubernetesManifestsTest.MODEL.convertValue(resource,
                    GenericKubernetesResource.class);
            var api = client.genericKubernetesResources(cr.getApiVersion(), cr.getKind()).inNamespace(NAMESPACE);
            api.resource(cr).create();
            GenericKubernetesResource stored = api.withName(cr.getMetadata().getName()).get();
            assertThat(stored).as("%s %s stored", cr.getKind(), cr.getMetadata().getName()).isNotNull();
            assertThat(KubernetesManifestsTest.MODEL.convertValue(stored, JsonNode.class).path("spec"))
                    .isEqualTo(resource.path("spec"));
        }
    }

    @Test
    void theKubernetesResourcesBesideThemAreTypedAndAccepted() throws IOException {
        List<ObjectNode> plain = new ArrayList<>(camelK());
        plain.addAll(Kustomize.readAll(PIPE));
        plain.removeIf(r -> r.path("apiVersion").asText().startsWith("camel.apache.org/"));
        assertThat(plain).extracting(r -> r.path("kind").asText()).containsOnly("ConfigMap", "Secret");
        for (ObjectNode resource : plain) {
            var model = KubernetesManifestsTest.typed(resource);
            assertThat(KubernetesManifestsTest.unknownFields(model)).isEmpty();
            model.getMetadata().setNamespace(NAMESPACE);
            client.resource(model).inNamespace(NAMESPACE).delete();
            assertThat(client.resource(model).inNamespace(NAMESPACE).create()).isNotNull();
        }
    }

    @Test
    void theKameletSchemasAreCompleteAndKeepCredentialsSecret() throws IOException {
        List<ObjectNode> kamelets = kamelets();
        assertThat(kamelets).extracting(k -> k.at("/metadata/name").asText())
                .contains("lingma-chat-action", "lingma-chat-sink");
        for (ObjectNode kamelet : kamelets) {
            String name = kamelet.at("/metadata/name").asText();
            JsonNode definition = kamelet.at("/spec/definition");
            JsonNode properties = definition.path("properties");
            assertThat(definition.path("required")).as(name + " required").isNotEmpty();
            definition.path("required").forEach(r -> assertThat(properties.has(r.asText()))
                    .as("%s: required %s is a property", name, r.asText()).isTrue());
            boolean credential = false;
            for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
                var property = it.next();
                String where = name + "." + property.getKey();
                JsonNode p = property.getValue();
                assertThat(p.path("title").asText()).as(where + " title").isNotBlank();
                assertThat(p.path("description").asText()).as(where + " description").isNotBlank();
                assertThat(p.path("type").asText()).as(where + " type").isNotBlank();
                if (p.has("pattern")) {
                    Pattern pattern = Pattern.compile(p.path("pattern").asText());
                    for (String value : List.of("default", "example")) {
                        if (p.has(value)) {
                            assertThat(pattern.matcher(p.path(value).asText()).find())
                                    .as("%s %s matches its pattern", where, value).isTrue();
                        }
                    }
                }
                boolean secret = p.path("format").asText().equals("password")
                        || property.getKey().toLowerCase().matches(".*(key|token|secret|password).*");
                if (secret) {
                    credential = true;
                    assertThat(p.path("format").asText()).as(where + " format").isEqualTo("password");
                    assertThat(p.path("x-descriptors").toString()).as(where + " x-descriptors")
                            .contains("urn:camel:group:credentials");
                    assertThat(p.has("default")).as(where + " has no default").isFalse();
                    assertThat(definition.path("required").toString()).as(where + " is optional")
                            .doesNotContain("\"" + property.getKey() + "\"");
                }
            }
            assertThat(credential).as(name + " declares its credential").isTrue();
            JsonNode gatewayUrl = properties.path("gatewayUrl");
            assertThat(gatewayUrl.has("pattern")).isTrue();
            JsonSchema schema = SCHEMAS.getSchema(definition);
            assertThat(schema.validate(Kustomize.YAML.createObjectNode().put("gatewayUrl", "http://lingma-gateway:8095")))
                    .isEmpty();
            assertThat(schema.validate(Kustomize.YAML.createObjectNode().put("model", "kmodel")))
                    .as(name + " without gatewayUrl").isNotEmpty();
            assertThat(schema.validate(Kustomize.YAML.createObjectNode().put("gatewayUrl", "lingma-gateway:8095/v1/")))
                    .as(name + " with a URL that is not one").isNotEmpty();
        }
    }

    @Test
    void thePipesPropertiesAreValidByTheKameletsItBinds() throws IOException {
        Map<String, JsonNode> definitions = new HashMap<>();
        for (ObjectNode k : kamelets()) {
            definitions.put(k.at("/metadata/name").asText(), k.at("/spec/definition"));
        }
        for (String catalogued : List.of("timer-source", "log-sink")) {
            try (InputStream in = getClass().getResourceAsStream("/kamelets/" + catalogued + ".kamelet.yaml")) {
                definitions.put(catalogued, Kustomize.YAML.readTree(in).at("/spec/definition"));
            }
        }
        List<ObjectNode> pipeFile = Kustomize.readAll(PIPE);
        JsonNode spec = Kustomize.ofKind(pipeFile, "Pipe").get(0).path("spec");
        List<JsonNode> endpoints = new ArrayList<>(List.of(spec.path("source"), spec.path("sink")));
        spec.path("steps").forEach(endpoints::add);
        assertThat(endpoints).extracting(e -> e.at("/ref/name").asText()).contains("lingma-chat-action");
        for (JsonNode endpoint : endpoints) {
            String name = endpoint.at("/ref/name").asText();
            assertThat(definitions).as("Kamelet " + name).containsKey(name);
            assertThat(messages(SCHEMAS.getSchema(definitions.get(name)).validate(endpoint.path("properties"))))
                    .as("properties for " + name).isEmpty();
        }
        // the action's credential comes from the Secret the Pipe mounts, as a Kamelet property of that Kamelet
        assertThat(spec.at("/integration/traits/mount/configs").toString()).contains("secret:lingma-chat-pipe");
        JsonNode secret = Kustomize.find(pipeFile, "Secret", "lingma-chat-pipe").path("stringData");
        java.util.Properties properties = new java.util.Properties();
        properties.load(new java.io.StringReader(secret.path("lingma-chat-pipe.properties").asText()));
        assertThat(properties).containsOnlyKeys("camel.kamelet.lingma-chat-action.apiKey")
                .containsValue("REPLACE_ME");
        assertThat(definitions.get("lingma-chat-action").path("properties").has("apiKey")).isTrue();
        assertThat(spec.toString()).doesNotContain("apiKey");
    }

    @Test
    void theIntegrationFitsTheImageAndTheSharedResources() throws IOException {
        List<ObjectNode> resources = camelK();
        JsonNode traits = Kustomize.find(resources, "Integration", "lingma-gateway").at("/spec/traits");
        String dockerfile = Files.readString(Path.of("deploy", "Dockerfile"));
        assertThat(dockerfile).contains("WORKDIR /opt/lingma-gateway").contains("USER "
                + traits.at("/container/runAsUser").asInt() + ":");
        Map<String, String> mounts = new HashMap<>();
        for (JsonNode m : traits.at("/mount/resources")) {
            String[] kindName = m.asText().split("@")[0].split(":");
            Kustomize.find(resources, kindName[0].equals("configmap") ? "ConfigMap" : "Secret", kindName[1]);
            mounts.put(kindName[1], m.asText().split("@")[1]);
        }
        assertThat(mounts).containsEntry("lingma-gateway-routes", "/opt/lingma-gateway/routes");
        Map<String, String> env = env(traits);
        for (String file : List.of("GATEWAY_REMOTE_AUTH_FILE", "GATEWAY_AUTH_KEYS_FILE")) {
            assertThat(Path.of(env.get(file)).getParent().toString()).as(file)
                    .isEqualTo(mounts.get("lingma-gateway-credentials"));
            assertThat(Kustomize.find(resources, "Secret", "lingma-gateway-credentials")
                    .at("/stringData/" + Path.of(env.get(file)).getFileName()).isTextual()).as(file).isTrue();
        }
        JsonNode container = Kustomize.find(resources, "Integration", "lingma-gateway")
                .at("/spec/template/spec/containers/0");
        assertThat(container.path("name").asText()).isEqualTo("integration");
        JsonNode token = container.at("/env/0/valueFrom/secretKeyRef");
        assertThat(Kustomize.find(resources, "Secret", token.path("name").asText())
                .at("/stringData/" + token.path("key").asText()).isTextual()).isTrue();
        Kustomize.ofKind(resources, "ConfigMap").forEach(c -> assertThat(c.at("/metadata/labels")
                .path("camel.apache.org/integration").asText()).as("hot reload label").isEqualTo("lingma-gateway"));
        // the same routes as the Deployment's (which KubernetesManifestsTest holds to routes/)
        assertThat(Kustomize.find(resources, "ConfigMap", "lingma-gateway-routes").path("data")).isEqualTo(
                Kustomize.find(KubernetesManifestsTest.render("single"), "ConfigMap", "lingma-gateway-routes")
                        .path("data"));
    }

    @Test
    void theIntegrationsProbesAndMetricsAreServedOnItsContainerPort() throws Exception {
        List<ObjectNode> resources = camelK();
        JsonNode integration = Kustomize.find(resources, "Integration", "lingma-gateway");
        JsonNode traits = integration.at("/spec/traits");
        int containerPort = traits.at("/container/port").asInt();
        Map<String, String> env = new HashMap<>(env(traits));
        assertThat(env.get("GATEWAY_MANAGEMENT_PORT")).isEqualTo(String.valueOf(containerPort));
        // the Secret as mounted, with a test key; the container port of this test; the simulator for Lingma's API
        Path credentials = Path.of("target", "camel-k-credentials").toAbsolutePath();
        Files.createDirectories(credentials);
        String key = "sk-camel-k-test";
        String keysFile = Kustomize.find(resources, "Secret", "lingma-gateway-credentials")
                .at("/stringData/api-keys.yaml").asText().replace("REPLACE_ME", ApiKeyStore.sha256Hex(key));
        Files.writeString(credentials.resolve("api-keys.yaml"), keysFile);
        env.put("GATEWAY_AUTH_KEYS_FILE", credentials.resolve("api-keys.yaml").toString());
        JsonNode tokenVar = integration.at("/spec/template/spec/containers/0/env/0");
        env.put(tokenVar.path("name").asText(), "camel-k-metrics-token");
        int port = 18272;
        env.put("GATEWAY_MANAGEMENT_PORT", String.valueOf(port));
        Process gateway = Launcher.start("camel-k-integration", Path.of(""), env, "--gateway.backend=simulator",
                "--gateway.http.port=" + port, "--gateway.ipc.cwd=target/agent-cwd");
        try {
            String base = "http://127.0.0.1:" + port;
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() ->
                    !gateway.isAlive() || Launcher.status(base + traits.at("/health/startupProbe").asText()) == 200);
            assertThat(gateway.isAlive()).as("gateway running").isTrue();
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                assertThat(Launcher.status(base + traits.at("/health/" + probe).asText())).as(probe).isEqualTo(200);
            }
            // metrics on the same port, for a PodMonitor that sends the token
            assertThat(Launcher.status(base + "/observe/metrics")).isEqualTo(401);
            var metrics = Launcher.get(base + "/observe/metrics", "Authorization", "Bearer camel-k-metrics-token");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("camel_exchanges_total");
            assertThat(Launcher.get(base + "/v1/models", "Authorization", "Bearer " + key).statusCode())
                    .isEqualTo(200);
        } finally {
            Launcher.stop(gateway, Duration.ofSeconds(20));
        }
    }

    private static Map<String, String> env(JsonNode traits) {
        Map<String, String> env = new HashMap<>();
        traits.at("/environment/vars").forEach(v -> {
            String[] kv = v.asText().split("=", 2);
            env.put(kv[0], kv[1]);
        });
        return env;
    }

    private static List<String> messages(Set<ValidationMessage> errors) {
        return errors.stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    /**
     * Collects the fields of {@code node} that {@code schema} does not declare: the API server's pruning would drop
     * them without an error. Fields under {@code x-kubernetes-preserve-unknown-fields} and {@code metadata} (the
     * API server's own) are not checked; {@code additionalProperties} schemas cover map entries.
     */
    static void undeclared(JsonNode schema, JsonNode node, String path, List<String> out) {
        if (schema == null || schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
                || path.equals("/metadata")) {
            return;
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                undeclared(schema.get("items"), node.get(i), path + "/" + i, out);
            }
        } else if (node.isObject()) {
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.get("additionalProperties");
            node.fields().forEachRemaining(f -> {
                String at = path + "/" + f.getKey();
                if (properties.has(f.getKey())) {
                    undeclared(properties.get(f.getKey()), f.getValue(), at, out);
                } else if (additional != null && additional.isObject()) {
                    undeclared(additional, f.getValue(), at, out);
                } else if (additional == null || !additional.asBoolean(false)) {
                    out.add(at);
                }
            });
        }
    }
}

package io.lingma.gateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.zjsonpatch.JsonPatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a kustomization the way {@code kubectl apply -k} does, for the subset of kustomize that
 * {@code deploy/kubernetes} uses (there is no kustomize binary here, and fabric8 does not render kustomizations):
 * {@code resources} (files and directories), {@code configMapGenerator} (files, content-hash name suffix unless
 * {@code disableNameSuffixHash}, references in pod specs renamed), {@code labels} (metadata only),
 * {@code images}, and {@code patches} as inline JSON 6902 operations on a {@code kind}/{@code name} target, applied
 * by zjsonpatch. Anything else in a kustomization fails the render, so a manifest cannot rely on a feature whose
 * result the tests do not see.
 */
final class Kustomize {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "resources", "configMapGenerator",
            "labels", "images", "patches");

    private Kustomize() {
    }

    /**
     * @param dir a directory holding {@code kustomization.yaml}
     * @return the rendered resources, in order
     */
    static List<ObjectNode> render(Path dir) throws IOException {
        ObjectNode k = (ObjectNode) YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        k.fieldNames().forEachRemaining(key -> {
            if (!SUPPORTED.contains(key)) {
                throw new IllegalArgumentException(dir + "/kustomization.yaml: '" + key
                        + "' is not rendered by the tests' Kustomize; extend it or do without");
            }
        });
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode entry : k.path("resources")) {
            Path path = dir.resolve(entry.asText()).normalize();
            if (Files.isDirectory(path)) {
                out.addAll(render(path));
            } else {
                out.addAll(readAll(path));
            }
        }
        Map<String, String> renamed = new LinkedHashMap<>();
        for (JsonNode generator : k.path("configMapGenerator")) {
            ObjectNode map = configMap(dir, generator);
            String name = map.at("/metadata/name").asText();
            if (!generator.at("/options/disableNameSuffixHash").asBoolean(false)) {
                String hashed = name + "-" + hash(map.path("data"));
                map.with("metadata").put("name", hashed);
                renamed.put(name, hashed);
            }
            out.add(map);
        }
        for (ObjectNode resource : out) {
            renameConfigMapReferences(resource, renamed);
        }
        for (JsonNode label : k.path("labels")) {
            if (label.has("includeSelectors") || label.has("includeTemplates")) {
                throw new IllegalArgumentException("labels: only metadata labels are rendered");
            }
            for (ObjectNode resource : out) {
                ObjectNode labels = resource.with("metadata").with("labels");
                label.path("pairs").fields().forEachRemaining(f -> labels.set(f.getKey(), f.getValue()));
            }
        }
        for (JsonNode image : k.path("images")) {
            out.forEach(resource -> containers(resource).forEach(c -> retag(c, image)));
        }
        for (JsonNode patch : k.path("patches")) {
            out.replaceAll(resource -> patched(resource, patch));
            long targets = out.stream().filter(r -> matches(r, patch.path("target"))).count();
            if (targets != 1) {
                throw new IllegalArgumentException("patch target " + patch.path("target") + " matches " + targets);
            }
        }
        return out;
    }

    /** @return every YAML document of {@code file} */
    static List<ObjectNode> readAll(Path file) throws IOException {
        List<ObjectNode> docs = new ArrayList<>();
        try (var values = YAML.readerFor(ObjectNode.class).<ObjectNode>readValues(file.toFile())) {
            while (values.hasNext()) {
                ObjectNode doc = values.next();
                if (doc != null && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    /** @return the rendered resource of that kind and name */
    static ObjectNode find(List<ObjectNode> resources, String kind, String name) {
        return resources.stream().filter(r -> r.path("kind").asText().equals(kind)
                        && r.at("/metadata/name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    /** @return the rendered resources of that kind */
    static List<ObjectNode> ofKind(List<ObjectNode> resources, String kind) {
        return resources.stream().filter(r -> r.path("kind").asText().equals(kind)).toList();
    }

    private static ObjectNode configMap(Path dir, JsonNode generator) throws IOException {
        ObjectNode map = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
        map.putObject("metadata").put("name", generator.path("name").asText());
        ObjectNode data = map.putObject("data");
        for (JsonNode file : generator.path("files")) {
            Path path = dir.resolve(file.asText()).normalize();
            if (!path.startsWith(dir.normalize())) {
                throw new IllegalArgumentException(path + " is outside the kustomization root (kustomize refuses it)");
            }
            data.put(path.getFileName().toString(), Files.readString(path, StandardCharsets.UTF_8));
        }
        return map;
    }

    private static String hash(JsonNode data) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(data.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void renameConfigMapReferences(ObjectNode resource, Map<String, String> renamed) {
        JsonNode pod = resource.at("/spec/template/spec");
        if (renamed.isEmpty() || pod.isMissingNode()) {
            return;
        }
        for (JsonNode volume : pod.path("volumes")) {
            rename(volume.path("configMap"), "name", renamed);
        }
        for (ObjectNode container : containers(resource)) {
            for (JsonNode from : container.path("envFrom")) {
                rename(from.path("configMapRef"), "name", renamed);
            }
            for (JsonNode env : container.path("env")) {
                rename(env.at("/valueFrom/configMapKeyRef"), "name", renamed);
            }
        }
    }

    private static void rename(JsonNode holder, String field, Map<String, String> renamed) {
        if (holder instanceof ObjectNode o && renamed.containsKey(o.path(field).asText())) {
            o.put(field, renamed.get(o.path(field).asText()));
        }
    }

    /** @return the containers and init containers of a workload's pod template */
    static List<ObjectNode> containers(JsonNode resource) {
        List<ObjectNode> all = new ArrayList<>();
        for (String list : List.of("initContainers", "containers")) {
            resource.at("/spec/template/spec/" + list).forEach(c -> all.add((ObjectNode) c));
        }
        return all;
    }

    private static void retag(ObjectNode container, JsonNode image) {
        String current = container.path("image").asText();
        String name = image.path("name").asText();
        if (current.equals(name) || current.startsWith(name + ":")) {
            String newName = image.path("newName").asText(name);
            String tag = image.has("newTag") ? image.path("newTag").asText()
                    : current.contains(":") ? current.substring(current.indexOf(':') + 1) : "latest";
            container.put("image", newName + ":" + tag);
        }
    }

    private static boolean matches(JsonNode resource, JsonNode target) {
        return resource.path("kind").asText().equals(target.path("kind").asText())
                && resource.at("/metadata/name").asText().equals(target.path("name").asText());
    }

    private static ObjectNode patched(ObjectNode resource, JsonNode patch) {
        if (!matches(resource, patch.path("target"))) {
            return resource;
        }
        try {
            JsonNode operations = YAML.readTree(patch.path("patch").asText());
            if (!(operations instanceof ArrayNode)) {
                throw new IllegalArgumentException("only JSON 6902 patches (a list of operations) are rendered");
            }
            return (ObjectNode) JsonPatch.apply(operations, resource);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable patch " + patch, e);
        }
    }
}

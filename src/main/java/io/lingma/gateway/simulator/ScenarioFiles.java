package io.lingma.gateway.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads scenario files ({@code scenarios: [ … ]} or a bare list, YAML or JSON); see {@link Scenario}. */
final class ScenarioFiles {

    /** Classpath location of the built-in scenarios. */
    static final String DEFAULTS_RESOURCE = "simulator/default-scenarios.yaml";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private static volatile List<Scenario> defaults;

    private ScenarioFiles() {
    }

    static List<Scenario> read(Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read scenario file " + file + ": " + e.getMessage(), e);
        }
        boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        return parse(json ? JSON : YAML, content, file.toString());
    }

    static List<Scenario> parse(String content, String source) {
        return parse(YAML, content, source);
    }

    static List<Scenario> defaults() {
        List<Scenario> loaded = defaults;
        if (loaded == null) {
            try (InputStream in = ScenarioFiles.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("classpath resource " + DEFAULTS_RESOURCE + " is missing");
                }
                loaded = parse(YAML, new String(in.readAllBytes(), StandardCharsets.UTF_8), DEFAULTS_RESOURCE);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + DEFAULTS_RESOURCE, e);
            }
            defaults = loaded;
        }
        return loaded;
    }

    private static List<Scenario> parse(ObjectMapper mapper, String content, String source) {
        try {
            JsonNode root = mapper.readTree(content);
            if (root == null || root.isMissingNode() || root.isNull()) {
                return List.of();
            }
            JsonNode list = root.isArray() ? root : root.path("scenarios");
            if (root.isObject() && root.size() != 1 || !list.isArray() && !list.isMissingNode() && !list.isNull()) {
                throw new IllegalArgumentException("scenario file " + source
                        + " must hold exactly one key 'scenarios' with a list");
            }
            List<Scenario> scenarios = new ArrayList<>();
            for (JsonNode node : list) {
                scenarios.add(mapper.treeToValue(node, Scenario.class));
            }
            return List.copyOf(scenarios);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException("invalid scenario in " + source + ": " + cause.getMessage(), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid scenario file " + source + ": " + e.getOriginalMessage(), e);
        }
    }
}

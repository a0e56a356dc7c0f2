package io.lingma.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.GatewayMain;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every setting in application.properties and in README's configuration table is read by the gateway, and every
 * setting the gateway reads is in both (issue 8 §2). "Read" is what {@link GatewayProperties} was asked for while
 * the gateway booted in simulator and in remote-simulator mode, plus the {@code {{gateway.…}}} placeholders of
 * application.properties, routes/ and kamelets/ and the {@code @PropertyInject} keys of the sources. The
 * {@code camel.*} keys of application.properties must be options Camel Main or the named component knows (Camel
 * refuses most unknown ones at boot too; this names them without booting).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SettingsDocumentationTest {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(gateway\\.[A-Za-z0-9.<>*_-]+)(?::[^}]*)?}}");
    private static final Pattern PROPERTY_INJECT =
            Pattern.compile("@PropertyInject\\(\\s*(?:value\\s*=\\s*)?\"(gateway\\.[^\"]+)\"");
    private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");

    private final Set<String> read = new TreeSet<>();
    private Properties file;
    private String fileText;

    @BeforeAll
    void bootAndCollect() throws Exception {
        read.addAll(keysReadBooting(Map.of("gateway.backend", "simulator")));
        read.addAll(keysReadBooting(Map.of("gateway.backend", "remote", "gateway.remote.simulator", "true")));
        fileText = Files.readString(Path.of("application.properties"), StandardCharsets.UTF_8);
        file = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"), StandardCharsets.UTF_8)) {
            file.load(in);
        }
        read.addAll(placeholders(fileText));
        for (String dir : List.of("routes", "kamelets")) {
            for (Path yaml : files(Path.of(dir), ".yaml")) {
                read.addAll(placeholders(Files.readString(yaml, StandardCharsets.UTF_8)));
            }
        }
        for (Path source : files(Path.of("src", "main", "java"), ".java")) {
            Matcher m = PROPERTY_INJECT.matcher(Files.readString(source, StandardCharsets.UTF_8));
            while (m.find()) {
                read.add(m.group(1));
            }
        }
    }

    @Test
    void everyKeyOfApplicationPropertiesIsRead() {
        List<String> unread = gatewayKeys(file.stringPropertyNames()).stream().filter(k -> !read.contains(k)).toList();
        assertThat(unread).as("keys in application.properties that no code reads").isEmpty();
    }

    @Test
    void everyKeyOfTheReadmeTableIsRead() throws IOException {
        List<String> unread = readmeKeys().stream().filter(k -> read.stream().noneMatch(r -> matches(k, r)))
                .toList();
        assertThat(unread).as("keys in README's configuration table that no code reads").isEmpty();
    }

    @Test
    void everyKeyReadIsInApplicationProperties() {
        // a group read by prefix (gateway.remote.headers.*) has no key of its own: its prefix is explained there
        List<String> undocumented = gatewayKeys(read).stream().filter(k -> k.endsWith(".*")
                ? !fileText.contains(k.substring(0, k.length() - 1)) : !file.containsKey(k)).toList();
        assertThat(undocumented).as("settings read but missing from application.properties").isEmpty();
    }

    @Test
    void everyKeyReadIsInTheReadmeTable() throws IOException {
        Set<String> readme = readmeKeys();
        List<String> undocumented = gatewayKeys(read).stream()
                .filter(r -> readme.stream().noneMatch(k -> matches(k, r))).toList();
        assertThat(undocumented).as("settings read but missing from README's configuration table").isEmpty();
    }

    @Test
    void everyCamelKeyIsACamelOption() throws IOException {
        Set<String> mainOptions = new TreeSet<>();
        for (JsonNode p : json("META-INF/camel-main-configuration-metadata.json").path("properties")) {
            mainOptions.add(normalised(p.path("name").asText()));
        }
        List<String> unknown = new ArrayList<>();
        for (String key : new TreeSet<>(file.stringPropertyNames())) {
            if (!key.startsWith("camel.")) {
                continue;
            }
            String[] parts = key.split("\\.", 4);
            boolean known = "component".equals(parts[1]) && parts.length == 4
                    ? json("META-INF/org/apache/camel/component/" + parts[2] + "/" + parts[2] + ".json")
                    .path("componentProperties").properties().stream()
                    .anyMatch(e -> normalised(e.getKey()).equals(normalised(parts[3])))
                    : mainOptions.contains(normalised(key));
            if (!known) {
                unknown.add(key);
            }
        }
        assertThat(unknown).as("camel.* keys in application.properties that Camel does not know").isEmpty();
    }

    /** Boots the gateway with {@code overrides} (ports of this test's range) and returns the keys it read. */
    private static Set<String> keysReadBooting(Map<String, String> overrides) throws Exception {
        Main main = new Main(GatewayMain.class);
        main.setPropertyPlaceholderLocations("file:application.properties");
        main.addOverrideProperty("gateway.http.port", "18350");
        main.addOverrideProperty("gateway.management.port", "18351");
        main.addOverrideProperty("gateway.ipc.cwd", "target/agent-cwd");
        overrides.forEach(main::addOverrideProperty);
        main.start();
        try {
            return main.getCamelContext().getRegistry().lookupByNameAndType("gatewayProperties",
                    GatewayProperties.class).keysRead();
        } finally {
            main.stop();
        }
    }

    /**
     * The first cell of each row of README's configuration table: every backticked key, {@code .suffix} meaning
     * the previous key's parent plus the suffix, {@code <Name>} read as {@code *}.
     */
    private static Set<String> readmeKeys() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("\n## Configuration");
        int end = readme.indexOf("\n## ", start + 1);
        Set<String> keys = new TreeSet<>();
        for (String line : readme.substring(start, end < 0 ? readme.length() : end).split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String parent = "";
            Matcher m = BACKTICKED.matcher(line.substring(1, line.indexOf('|', 1)));
            while (m.find()) {
                String token = m.group(1).replaceAll("<[^>]+>", "*");
                String key = token.startsWith(".") ? parent + token : token;
                parent = key.substring(0, key.lastIndexOf('.'));
                keys.add(key);
            }
        }
        return keys;
    }

    /** @return true when the documented {@code key} (may end in {@code *}) covers the read key {@code read} */
    private static boolean matches(String key, String read) {
        return key.equals(read) || key.endsWith("*") && read.startsWith(key.substring(0, key.length() - 1));
    }

    private static Set<String> placeholders(String text) {
        Set<String> keys = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    private static Set<String> gatewayKeys(Set<String> keys) {
        Set<String> out = new TreeSet<>();
        keys.stream().filter(k -> k.startsWith("gateway.")).forEach(out::add);
        return out;
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static JsonNode json(String resource) throws IOException {
        try (InputStream in = SettingsDocumentationTest.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? new ObjectMapper().createObjectNode() : new ObjectMapper().readTree(in);
        }
    }

    private static String normalised(String name) {
        return name.replace("-", "").toLowerCase(Locale.ROOT);
    }
}

package io.lingma.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Shared helpers for the client-API tests. */
public final class ApiTestSupport {

    /** A plain mapper, as the application would pass in. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private ApiTestSupport() {
    }

    /** @return UTF-8 bytes of a JSON text */
    public static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** @return UTF-8 bytes of a JSON text written with single quotes for readability (no apostrophes inside) */
    public static byte[] sq(String singleQuotedJson) {
        return body(singleQuotedJson.replace('\'', '"'));
    }

    /** @return the parsed JSON */
    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the data payloads of the frames parsed as JSON ({@code [DONE]} becomes a text node) */
    public static List<JsonNode> payloads(List<SseFrame> frames) {
        return frames.stream().filter(f -> f.data() != null)
                .map(f -> "[DONE]".equals(f.data()) ? MAPPER.getNodeFactory().textNode("[DONE]") : parse(f.data()))
                .toList();
    }

    /** @return the shared client fixtures directory ({@code ../shared/fixtures/clients}) */
    public static Path fixturesDir() {
        return Path.of(System.getProperty("user.dir")).resolve("../shared/fixtures/clients").normalize();
    }

    /** @return the fixture files whose names contain {@code part} */
    public static List<Path> fixtures(String part) {
        try (Stream<Path> files = Files.list(fixturesDir())) {
            return files.filter(p -> p.getFileName().toString().contains(part)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the {@code body} of a recorded request, as bytes */
    public static byte[] fixtureBody(Path file) {
        try {
            JsonNode recorded = MAPPER.readTree(file.toFile());
            return MAPPER.writeValueAsBytes(recorded.get("body"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

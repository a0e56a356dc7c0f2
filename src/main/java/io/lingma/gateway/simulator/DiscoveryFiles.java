package io.lingma.gateway.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes and removes the discovery files of lingma-ipc.md §3.1/§10.1: {@code .info.json} and optionally the legacy
 * {@code .info}, both replaced atomically (temp file + move) so a client never reads a half-written file.
 */
final class DiscoveryFiles {

    private final Path json;
    private final Path legacy;
    private final boolean writeLegacy;
    private final ObjectMapper mapper;

    DiscoveryFiles(Path dataDir, String layout, boolean writeLegacy, ObjectMapper mapper) {
        Path dir = dataDir.resolve(layout.equals(SimulatorOptions.LAYOUT_LINGMA) ? "Lingma" : "QoderCN")
                .resolve("SharedClientCache");
        this.json = dir.resolve(".info.json");
        this.legacy = dir.resolve(".info");
        this.writeLegacy = writeLegacy;
        this.mapper = mapper;
    }

    Path jsonFile() {
        return json;
    }

    Path legacyFile() {
        return legacy;
    }

    /**
     * @param port the WebSocket port now listening
     * @throws UncheckedIOException if the directory or a file cannot be written
     */
    void write(int port) {
        long pid = ProcessHandle.current().pid();
        ObjectNode info = mapper.createObjectNode()
                .put("websocketPort", port)
                .put("pid", pid)
                .put("ipcServerPath", "")
                .put("isDev", false)
                // unknown keys are ignored by clients (§3.1) and mark this file as the simulator's
                .put("simulator", true);
        try {
            Files.createDirectories(json.getParent());
            writeAtomically(json, info.toString());
            if (writeLegacy) {
                writeAtomically(legacy, port + "\n" + pid + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write discovery file " + json, e);
        }
    }

    /** Removes both files; missing files are fine. */
    void delete() {
        try {
            Files.deleteIfExists(json);
            Files.deleteIfExists(legacy);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete discovery file " + json, e);
        }
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

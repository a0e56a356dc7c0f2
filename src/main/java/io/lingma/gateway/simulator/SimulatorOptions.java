package io.lingma.gateway.simulator;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Configuration of a {@link LingmaSimulator} (lingma-ipc.md §10.1–§10.3).
 *
 * @param host                  address to bind; {@code null} means {@code 127.0.0.1} (keep it on loopback: the
 *                              simulator has no authentication beyond the optional machine token)
 * @param port                  TCP port to listen on; 0 picks a free port
 * @param dataDir               base directory under which the discovery file is written; {@code null} creates a
 *                              new temporary directory that is deleted on {@link LingmaSimulator#stop()}
 * @param discoveryLayout       {@code qodercn} ({@code <dataDir>/QoderCN/SharedClientCache/.info.json}, the default)
 *                              or {@code lingma} ({@code <dataDir>/Lingma/SharedClientCache/.info.json}); see §3.2
 * @param writeLegacyInfo       also write the legacy plain-text {@code .info} file next to {@code .info.json} (§3.1)
 * @param requireMachineToken   reject WebSocket handshakes whose {@code Cosy-MachineToken} header is missing or
 *                              differs from {@code machineToken} with HTTP 401 (§3.5 PAA variant)
 * @param machineToken          the expected token; required when {@code requireMachineToken} is set
 * @param scenarioFiles         YAML or JSON scenario files loaded at construction, ahead of the built-in
 *                              {@code simulator/default-scenarios.yaml} (see {@link Scenario})
 * @param sessionNewUnsupported answer {@code session/new} with {@code -32601}, like a runtime that only has the
 *                              VS Code extension (§2, §10.4)
 * @param defaultChunkDelayMs   delay in milliseconds between streamed chunks when a scenario sets no
 *                              {@code chunkDelayMs}; 0 streams as fast as the event loop allows
 */
public record SimulatorOptions(String host, int port, Path dataDir, String discoveryLayout, boolean writeLegacyInfo,
                               boolean requireMachineToken, String machineToken, List<Path> scenarioFiles,
                               boolean sessionNewUnsupported, long defaultChunkDelayMs) {

    /** Loopback address the simulator binds to by default. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Discovery layout writing {@code QoderCN/SharedClientCache/.info.json} (preferred by clients, §3.2). */
    public static final String LAYOUT_QODERCN = "qodercn";
    /** Discovery layout writing {@code Lingma/SharedClientCache/.info.json}. */
    public static final String LAYOUT_LINGMA = "lingma";

    /**
     * Normalises {@code null}s to defaults and validates.
     *
     * @throws IllegalArgumentException on a port outside 0–65535, an unknown layout, a negative delay, or a required
     *                                  machine token that is blank
     */
    public SimulatorOptions {
        host = host == null || host.isBlank() ? DEFAULT_HOST : host;
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, got " + port);
        }
        discoveryLayout = discoveryLayout == null ? LAYOUT_QODERCN : discoveryLayout.toLowerCase(Locale.ROOT);
        if (!discoveryLayout.equals(LAYOUT_QODERCN) && !discoveryLayout.equals(LAYOUT_LINGMA)) {
            throw new IllegalArgumentException("discoveryLayout must be 'qodercn' or 'lingma', got '"
                    + discoveryLayout + "'");
        }
        if (requireMachineToken && (machineToken == null || machineToken.isBlank())) {
            throw new IllegalArgumentException("requireMachineToken needs a non-blank machineToken");
        }
        scenarioFiles = scenarioFiles == null ? List.of() : List.copyOf(scenarioFiles);
        if (defaultChunkDelayMs < 0) {
            throw new IllegalArgumentException("defaultChunkDelayMs must be >= 0, got " + defaultChunkDelayMs);
        }
    }

    /**
     * @return 127.0.0.1, random port, temporary data dir, QoderCN layout, no legacy file, no token, no extra
     *         scenario files, {@code session/new} supported, 10 ms between chunks
     */
    public static SimulatorOptions defaults() {
        return new SimulatorOptions(DEFAULT_HOST, 0, null, LAYOUT_QODERCN, false, false, null, List.of(), false, 10);
    }

    /** @param value address to bind @return a copy with that host */
    public SimulatorOptions withHost(String value) {
        return new SimulatorOptions(value, port, dataDir, discoveryLayout, writeLegacyInfo, requireMachineToken,
                machineToken, scenarioFiles, sessionNewUnsupported, defaultChunkDelayMs);
    }

    /** @param value TCP port, 0 = random @return a copy with that port */
    public SimulatorOptions withPort(int value) {
        return new SimulatorOptions(host, value, dataDir, discoveryLayout, writeLegacyInfo, requireMachineToken,
                machineToken, scenarioFiles, sessionNewUnsupported, defaultChunkDelayMs);
    }

    /** @param value base directory of the discovery file, {@code null} = temporary @return a copy */
    public SimulatorOptions withDataDir(Path value) {
        return new SimulatorOptions(host, port, value, discoveryLayout, writeLegacyInfo, requireMachineToken,
                machineToken, scenarioFiles, sessionNewUnsupported, defaultChunkDelayMs);
    }

    /** @param value {@code qodercn} or {@code lingma} @return a copy with that discovery layout */
    public SimulatorOptions withDiscoveryLayout(String value) {
        return new SimulatorOptions(host, port, dataDir, value, writeLegacyInfo, requireMachineToken,
                machineToken, scenarioFiles, sessionNewUnsupported, defaultChunkDelayMs);
    }

    /** @param value whether to also write the legacy {@code .info} file @return a copy */
    public SimulatorOptions withWriteLegacyInfo(boolean value) {
        return new SimulatorOptions(host, port, dataDir, discoveryLayout, value, requireMachineToken,
                machineToken, scenarioFiles, sessionNewUnsupported, defaultChunkDelayMs);
    }

    /**
     * @param token the {@code Cosy-MachineToken} every handshake must carry, or {@code null} to accept any handshake
     * @return a copy requiring (or no longer requiring) that token
     */
    public SimulatorOptions withMachineToken(String token) {
        return new SimulatorOptions(host, port, dataDir, discoveryLayout, writeLegacyInfo, token != null,
                token, scenarioFiles, sessionNewUnsupported, defaultChunkDelayMs);
    }

    /** @param value scenario files loaded ahead of the built-in defaults @return a copy */
    public SimulatorOptions withScenarioFiles(List<Path> value) {
        return new SimulatorOptions(host, port, dataDir, discoveryLayout, writeLegacyInfo, requireMachineToken,
                machineToken, value, sessionNewUnsupported, defaultChunkDelayMs);
    }

    /** @param value whether {@code session/new} answers {@code -32601} @return a copy */
    public SimulatorOptions withSessionNewUnsupported(boolean value) {
        return new SimulatorOptions(host, port, dataDir, discoveryLayout, writeLegacyInfo, requireMachineToken,
                machineToken, scenarioFiles, value, defaultChunkDelayMs);
    }

    /** @param value milliseconds between chunks when a scenario sets none @return a copy */
    public SimulatorOptions withDefaultChunkDelayMs(long value) {
        return new SimulatorOptions(host, port, dataDir, discoveryLayout, writeLegacyInfo, requireMachineToken,
                machineToken, scenarioFiles, sessionNewUnsupported, value);
    }

    /** Keeps the machine token out of logs and {@code toString()} dumps. */
    @Override
    public String toString() {
        return "SimulatorOptions[host=" + host + ", port=" + port + ", dataDir=" + dataDir
                + ", discoveryLayout=" + discoveryLayout + ", writeLegacyInfo=" + writeLegacyInfo
                + ", requireMachineToken=" + requireMachineToken + ", machineToken="
                + (machineToken == null ? "null" : "***") + ", scenarioFiles=" + scenarioFiles
                + ", sessionNewUnsupported=" + sessionNewUnsupported + ", defaultChunkDelayMs="
                + defaultChunkDelayMs + "]";
    }
}

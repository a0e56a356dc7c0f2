package io.lingma.gateway.lingma.ipc;

import io.lingma.gateway.config.TestSettings;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IpcEndpointDiscoveryTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long LIVE = 4242;
    private static final long DEAD = 999_999;

    @TempDir
    Path home;

    private IpcEndpointDiscovery discovery(IpcSettings settings, Map<String, String> env) {
        return new IpcEndpointDiscovery(settings, MAPPER, home, env, "Linux", pid -> pid == LIVE);
    }

    private IpcEndpointDiscovery discovery() {
        return discovery(TestSettings.ipc(), Map.of());
    }

    private Path write(String relative, String content) throws Exception {
        Path file = home.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    @Test
    void parsesTheObservedJsonFileAndIgnoresUnknownKeys() {
        IpcEndpointDiscovery.SharedClientInfo info = IpcEndpointDiscovery.parse(MAPPER, "  {\"websocketPort\":36510,"
                + "\"pid\":14060,\"ipcServerPath\":\"\\\\\\\\.\\\\pipe\\\\lingma-bf0f32\",\"isDev\":false,"
                + "\"qswitch\":{\"marker\":true}}\n");
        assertThat(info).isEqualTo(new IpcEndpointDiscovery.SharedClientInfo(36510, 14060,
                "\\\\.\\pipe\\lingma-bf0f32"));
    }

    @Test
    void parsesTheLegacyLineFormat() {
        assertThat(IpcEndpointDiscovery.parse(MAPPER, "\n36510\n\n14060\n\\\\.\\pipe\\lingma-bf0f32\n"))
                .isEqualTo(new IpcEndpointDiscovery.SharedClientInfo(36510, 14060, "\\\\.\\pipe\\lingma-bf0f32"));
        assertThat(IpcEndpointDiscovery.parse(MAPPER, "37109")).isEqualTo(
                new IpcEndpointDiscovery.SharedClientInfo(37109, 0, ""));
    }

    @Test
    void rejectsUnparseableContent() {
        assertThatThrownBy(() -> IpcEndpointDiscovery.parse(MAPPER, "port\n1")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> IpcEndpointDiscovery.parse(MAPPER, "36510\nabc")).hasMessageContaining("line 2");
        assertThatThrownBy(() -> IpcEndpointDiscovery.parse(MAPPER, "{\"pid\":1}"))
                .hasMessageContaining("neither websocketPort nor ipcServerPath");
        assertThatThrownBy(() -> IpcEndpointDiscovery.parse(MAPPER, "{broken")).hasMessageContaining("invalid JSON");
        assertThatThrownBy(() -> IpcEndpointDiscovery.parse(MAPPER, "   ")).hasMessageContaining("empty");
    }

    @Test
    void findsAJsonFileInTheDefaultLocations() throws Exception {
        Path file = write(".config/Lingma/SharedClientCache/.info.json",
                "{\"websocketPort\":36510,\"pid\":" + LIVE + "}");
        IpcEndpointDiscovery.Result result = discovery().discover();
        assertThat(result.chosen().url()).isEqualTo("ws://127.0.0.1:36510/");
        assertThat(result.chosen().source()).isEqualTo(file.toString());
        assertThat(result.chosen().qoderCn()).isFalse();
    }

    @Test
    void findsALegacyFileUnderTheVsCodePluginDirectory() throws Exception {
        write(".lingma/vscode/sharedClientCache/.info", "36510\n" + LIVE + "\n");
        IpcEndpointDiscovery.Result result = discovery().discover();
        assertThat(result.chosen().url()).isEqualTo("ws://127.0.0.1:36510/");
    }

    @Test
    void skipsStaleFilesWithADeadPidAndFallsBackToTheNextCandidate() throws Exception {
        Path stale = write(".config/QoderCN/SharedClientCache/.info.json",
                "{\"websocketPort\":37109,\"pid\":" + DEAD + "}");
        write(".lingma/SharedClientCache/.info.json", "{\"websocketPort\":36510,\"pid\":" + LIVE + "}");
        IpcEndpointDiscovery.Result result = discovery().discover();
        assertThat(result.chosen().url()).isEqualTo("ws://127.0.0.1:36510/");
        assertThat(result.rejected()).contains(new IpcEndpointDiscovery.Rejected(stale.toString(),
                "stale: process " + DEAD + " is not running"));
    }

    @Test
    void qoderCnComesBeforeLingmaUnlessLingmaIsPreferred() throws Exception {
        write(".config/Lingma/SharedClientCache/.info.json", "{\"websocketPort\":36510,\"pid\":" + LIVE + "}");
        write(".qodercn/SharedClientCache/.info.json", "{\"websocketPort\":37109,\"pid\":" + LIVE + "}");
        IpcEndpointDiscovery.Result qoder = discovery().discover();
        assertThat(qoder.chosen().url()).isEqualTo("ws://127.0.0.1:37109/");
        assertThat(qoder.chosen().qoderCn()).isTrue();
        assertThat(qoder.endpoints()).hasSize(2);

        IpcSettings lingmaFirst = TestSettings.ipc().toBuilder()
                .discoveryPrefer(IpcSettings.DiscoveryPrefer.parse("lingma")).build();
        assertThat(discovery(lingmaFirst, Map.of()).discover().chosen().url()).isEqualTo("ws://127.0.0.1:36510/");
    }

    @Test
    void candidateListIsTheDeduplicatedCrossProductWithQoderCnFirst() {
        Map<String, String> env = Map.of("APPDATA", home.resolve("AppData").toString(),
                "LOCALAPPDATA", home.resolve("Local").toString());
        List<Path> candidates = new IpcEndpointDiscovery(TestSettings.ipc(), MAPPER, home, env, "Mac OS X",
                pid -> true).candidatePaths();
        Set<String> lower = candidates.stream().map(p -> p.toString().toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        assertThat(lower).hasSize(candidates.size());
        // 7 bases, 8 subdirs collapsing to 4 case-insensitively, 2 file names
        assertThat(candidates).hasSize(7 * 4 * 2);
        assertThat(candidates.get(0)).isEqualTo(
                home.resolve("Library/Application Support/QoderCN/SharedClientCache/.info.json"));
        assertThat(candidates.get(0).toString()).contains("QoderCN").endsWith(".info.json");
        assertThat(candidates.get(1).toString()).endsWith(".info");
        int firstLingma = indexOf(candidates, "Lingma/SharedClientCache");
        int lastQoder = lastIndexOf(candidates, "QoderCN/SharedClientCache");
        assertThat(lastQoder).isLessThan(firstLingma);
        assertThat(indexOf(candidates, ".lingma/vscode/SharedClientCache"))
                .isGreaterThan(lastIndexOf(candidates, ".qodercn/vscode/SharedClientCache"));
    }

    @Test
    void linuxKeepsBothSpellingsOfTheCacheDirectory() {
        List<Path> candidates = discovery().candidatePaths();
        // 5 bases x 8 subdirs x 2 file names, nothing collapses on a case-sensitive file system
        assertThat(candidates).hasSize(5 * 8 * 2)
                .contains(home.resolve(".lingma/vscode/sharedClientCache/.info"),
                        home.resolve(".lingma/vscode/SharedClientCache/.info"));
    }

    @Test
    void explicitDiscoveryFileReplacesTheListAndEnvOverrideIsHonoured() throws Exception {
        write(".lingma/SharedClientCache/.info.json", "{\"websocketPort\":36510,\"pid\":" + LIVE + "}");
        Path explicit = write("custom/info.json", "{\"websocketPort\":40000}");
        IpcSettings settings = TestSettings.ipc().toBuilder().discoveryFile(explicit).build();
        assertThat(discovery(settings, Map.of()).candidatePaths()).containsExactly(explicit);
        assertThat(discovery(settings, Map.of()).discover().chosen().url()).isEqualTo("ws://127.0.0.1:40000/");

        Path envFile = write("env/.info", "41000");
        IpcEndpointDiscovery viaEnv = discovery(TestSettings.ipc(),
                Map.of(IpcEndpointDiscovery.ENV_SHARED_CLIENT_INFO, envFile.toString()));
        assertThat(viaEnv.discover().chosen().url()).isEqualTo("ws://127.0.0.1:41000/");
    }

    @Test
    void explicitUrlsWinAndAreNormalised() throws Exception {
        write(".lingma/SharedClientCache/.info.json", "{\"websocketPort\":36510,\"pid\":" + LIVE + "}");
        IpcEndpointDiscovery.Result env = discovery(TestSettings.ipc(),
                Map.of(IpcEndpointDiscovery.ENV_WS_URL, "ws://127.0.0.1:36510")).discover();
        assertThat(env.chosen().url()).isEqualTo("ws://127.0.0.1:36510/");
        assertThat(env.chosen().source()).isEqualTo("env LINGMA_PROXY_WS_URL");

        IpcSettings configured = TestSettings.ipc().toBuilder().wsUrl("wss://localhost:9/ws").build();
        IpcEndpointDiscovery.Result config = discovery(configured,
                Map.of(IpcEndpointDiscovery.ENV_WS_URL, "ws://127.0.0.1:1/")).discover();
        assertThat(config.chosen().url()).isEqualTo("wss://localhost:9/ws");
        assertThat(config.chosen().source()).isEqualTo("config gateway.ipc.ws-url");

        IpcSettings bad = TestSettings.ipc().toBuilder().wsUrl("http://127.0.0.1:1/").build();
        assertThatThrownBy(() -> discovery(bad, Map.of()).discover()).isInstanceOf(IpcDiscoveryException.class)
                .hasMessageContaining("scheme must be ws or wss");
    }

    @Test
    void wsPathIsAppliedToDiscoveredPorts() throws Exception {
        write(".lingma/SharedClientCache/.info.json", "{\"websocketPort\":36510}");
        IpcSettings settings = TestSettings.ipc().toBuilder().wsPath("ws").build();
        assertThat(discovery(settings, Map.of()).discover().chosen().url()).isEqualTo("ws://127.0.0.1:36510/ws");
    }

    @Test
    void nothingFoundListsEveryCause() throws Exception {
        Path stale = write(".qodercn/SharedClientCache/.info.json", "{\"websocketPort\":1,\"pid\":" + DEAD + "}");
        Path broken = write(".lingma/SharedClientCache/.info.json", "{oops");
        Path pipeOnly = write(".lingma/vscode/SharedClientCache/.info.json",
                "{\"ipcServerPath\":\"/tmp/lingma.sock\"}");
        assertThatThrownBy(() -> discovery().discover()).isInstanceOfSatisfying(IpcDiscoveryException.class, e -> {
            assertThat(e.getMessage()).contains("No Lingma IPC endpoint found")
                    .contains("open the Lingma or QoderCN desktop app")
                    .contains(stale + ": stale: process " + DEAD + " is not running")
                    .contains(broken + ": unparseable: invalid JSON")
                    .contains(pipeOnly + ": no usable websocketPort")
                    .contains("no discovery file in 77 locations");
            assertThat(e.rejected()).hasSize(discovery().candidatePaths().size());
        });
    }

    @Test
    void windowsUsesAppDataAsTheConfigDirectory() throws Exception {
        Path appData = home.resolve("AppData/Roaming");
        Path file = write("AppData/Roaming/QoderCN/SharedClientCache/.info.json", "{\"websocketPort\":36510}");
        IpcEndpointDiscovery windows = new IpcEndpointDiscovery(TestSettings.ipc(), MAPPER, home,
                Map.of("APPDATA", appData.toString()), "Windows 11", pid -> true);
        assertThat(windows.discover().chosen().source()).isEqualTo(file.toString());
    }

    @Test
    void processAliveUsesProcessHandle() {
        assertThat(IpcEndpointDiscovery.processAlive(ProcessHandle.current().pid())).isTrue();
        assertThat(IpcEndpointDiscovery.processAlive(Long.MAX_VALUE)).isFalse();
    }

    private static int indexOf(List<Path> paths, String fragment) {
        for (int i = 0; i < paths.size(); i++) {
            if (paths.get(i).toString().replace('\\', '/').contains(fragment)) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(List<Path> paths, String fragment) {
        for (int i = paths.size() - 1; i >= 0; i--) {
            if (paths.get(i).toString().replace('\\', '/').contains(fragment)) {
                return i;
            }
        }
        return -1;
    }
}

package io.lingma.gateway.lingma.remote;

import io.lingma.gateway.config.TestSettings;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** lingma-remote.md §3: cache decryption (§3.3 vector), machine-id fallback (§3.5), auth file (§3.6), §3.7. */
class RemoteCredentialLoaderTest {

    static final String VECTOR_MACHINE_ID = "0123456789abcdef-demo-machine-id";
    static final String VECTOR_USER = "X8tijYCF5ksiDWaB126UIrtav3uel7uuYbIjgcjjiGGUjnPN2s3duTqgwUu5sDVgj5vWSVbjpfDmna"
            + "JDKXHNI+IKbiZ9iy0w+N2RiuEtdfbiNyOpwwhLOjQ5pxTKkqHf1FjZ805vywrcU5cJhhYrCA==";
    static final String VECTOR_PLAIN = "{\"uid\":\"10001\",\"name\":\"demo\",\"key\":\"DEMO_COSY_KEY\","
            + "\"encrypt_user_info\":\"DEMO_INFO\",\"expire_time\":1893456000000}";

    @TempDir
    Path home;

    private RemoteCredentialLoader loader(RemoteSettings settings, Map<String, String> env) {
        return new RemoteCredentialLoader(settings, home, env,
                Clock.fixed(Instant.parse("2026-05-01T00:00:00Z"), java.time.ZoneOffset.UTC));
    }

    private static void writeCache(Path dir, String id, String user) throws Exception {
        Files.createDirectories(dir.resolve("cache"));
        if (id != null) {
            Files.writeString(dir.resolve("cache/id"), id);
        }
        Files.writeString(dir.resolve("cache/user"), user);
    }

    @Test
    void section33VectorDecrypts() {
        assertThat(CacheUserCipher.decrypt(VECTOR_USER, VECTOR_MACHINE_ID)).isEqualTo(VECTOR_PLAIN);
        assertThat(CacheUserCipher.encrypt(VECTOR_PLAIN, VECTOR_MACHINE_ID)).isEqualTo(VECTOR_USER);
    }

    @Test
    void section33WrongMachineIdGivesBadPadding() {
        assertThatThrownBy(() -> CacheUserCipher.decrypt(VECTOR_USER, "fedcba9876543210-other"))
                .hasMessageContaining("bad padding");
        assertThatThrownBy(() -> CacheUserCipher.decrypt(VECTOR_USER, "short"))
                .hasMessageContaining("shorter than 16");
    }

    @Test
    void section33VectorDiscoveredInLingmaCacheDir() throws Exception {
        writeCache(home.resolve(".lingma"), VECTOR_MACHINE_ID + "\n", VECTOR_USER + "\n");
        RemoteCredential c = loader(TestSettings.remote(), Map.of()).load();
        assertThat(c.cosyKey()).isEqualTo("DEMO_COSY_KEY");
        assertThat(c.encryptUserInfo()).isEqualTo("DEMO_INFO");
        assertThat(c.userId()).isEqualTo("10001");
        assertThat(c.machineId()).isEqualTo(VECTOR_MACHINE_ID);
        assertThat(c.expireTimeMillis()).isEqualTo(1893456000000L);
        assertThat(c.source()).isEqualTo(home.resolve(".lingma").toString());
        assertThat(c.toString()).doesNotContain("DEMO_COSY_KEY", "DEMO_INFO", VECTOR_MACHINE_ID)
                .contains("…e-id");
        assertThat(c.maskedMachineId()).isEqualTo("…e-id");
    }

    @Test
    void qoderCnIsPreferredByDefaultAndLingmaWhenConfigured() throws Exception {
        writeCache(home.resolve(".lingma"), VECTOR_MACHINE_ID, VECTOR_USER);
        String otherId = "qoder-machine-id-000000";
        writeCache(home.resolve(".qodercn"), otherId, CacheUserCipher.encrypt(
                VECTOR_PLAIN.replace("10001", "20002"), otherId));
        assertThat(loader(TestSettings.remote(), Map.of()).load().userId()).isEqualTo("20002");
        RemoteSettings lingmaFirst = TestSettings.remote().toBuilder().cachePrefer(RemoteSettings.CachePrefer.LINGMA).build();
        assertThat(loader(lingmaFirst, Map.of()).load().userId()).isEqualTo("10001");
    }

    @Test
    void lingmaCacheDirEnvRestrictsTheSearch(@TempDir Path other) throws Exception {
        writeCache(home.resolve(".lingma"), VECTOR_MACHINE_ID, VECTOR_USER);
        assertThatThrownBy(() -> loader(TestSettings.remote(), Map.of("LINGMA_CACHE_DIR", other.toString()))
                .load()).isInstanceOf(RemoteCredentialException.class).hasMessageContaining(other.toString())
                .hasMessageContaining("cache/user not found");
    }

    @Test
    void section35MachineIdFromLogsWhenCacheIdIsMissing() throws Exception {
        Path dir = home.resolve(".lingma");
        String machineId = "abcdef1234567890abcdef";
        writeCache(dir, null, CacheUserCipher.encrypt(VECTOR_PLAIN, machineId));
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(dir.resolve("logs/lingma.log"),
                "2026-05-06 info starting\n2026-05-06 info using machine id from file: " + machineId + "\n");
        RemoteCredential c = loader(TestSettings.remote(), Map.of()).load();
        assertThat(c.machineId()).isEqualTo(machineId);
        assertThat(c.cosyKey()).isEqualTo("DEMO_COSY_KEY");
    }

    @Test
    void section35LogLineFixtures() {
        assertThat(RemoteCredentialLoader.extractMachineId(
                "2026-05-06 info using machine id from file: abcdef1234567890abcdef"))
                .contains("abcdef1234567890abcdef");
        assertThat(RemoteCredentialLoader.extractMachineId(
                "{\"machineId\":\"windows-machine-id-1234567890\",\"other\":true}"))
                .contains("windows-machine-id-1234567890");
        assertThat(RemoteCredentialLoader.extractMachineId("machine id: short")).isEmpty();
    }

    @Test
    void everyDirectoryTriedIsListedWithItsReason() throws Exception {
        Files.createDirectories(home.resolve(".qodercn"));
        writeCache(home.resolve(".lingma"), "0000000000000000-bad", VECTOR_USER);
        assertThatThrownBy(() -> loader(TestSettings.remote(), Map.of()).load())
                .isInstanceOfSatisfying(RemoteCredentialException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RemoteFailure.Kind.CREDENTIAL);
                    assertThat(e.attempts()).anySatisfy(a -> assertThat(a)
                            .startsWith(home.resolve(".qodercn").toString()).endsWith("cache/user not found"));
                    assertThat(e.attempts()).anySatisfy(a -> assertThat(a)
                            .startsWith(home.resolve(".lingma").toString()).contains("bad padding"));
                    assertThat(e.attempts()).anySatisfy(a -> assertThat(a).endsWith("directory not found"));
                    assertThat(e.toGatewayException().status()).isEqualTo(503);
                });
    }

    @Test
    void refreshedLoginIsPickedUpByModificationTime() throws Exception {
        Path dir = home.resolve(".lingma");
        writeCache(dir, VECTOR_MACHINE_ID, VECTOR_USER);
        RemoteCredentialLoader loader = loader(TestSettings.remote(), Map.of());
        RemoteCredential first = loader.load();
        assertThat(loader.load()).isSameAs(first);
        Files.writeString(dir.resolve("cache/user"), CacheUserCipher.encrypt(
                VECTOR_PLAIN.replace("DEMO_COSY_KEY", "NEW_COSY_KEY_AFTER_LOGIN"), VECTOR_MACHINE_ID));
        Files.setLastModifiedTime(dir.resolve("cache/user"), FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(loader.load().cosyKey()).isEqualTo("NEW_COSY_KEY_AFTER_LOGIN");
    }

    @Test
    void section36LingmaProxyAuthFile() throws Exception {
        Path file = home.resolve("auth.json");
        Files.writeString(file, "{\"source\":\"manual\",\"token_expire_time\":\"1777520000000\",\"auth\":{"
                + "\"cosy_key\":\"K\",\"encrypt_user_info\":\"I\",\"user_id\":\"123\","
                + "\"machine_id\":\"xxxxxxxxxxxxxxxx\"}}");
        RemoteCredential c = loader(TestSettings.remote().toBuilder().authFile(file).build(), Map.of()).load();
        assertThat(c.cosyKey()).isEqualTo("K");
        assertThat(c.expireTimeMillis()).isEqualTo(1777520000000L);
        assertThat(c.source()).startsWith("manual");
        assertThat(c.expired(Instant.parse("2026-04-01T00:00:00Z"), Duration.ZERO)).isFalse();
    }

    @Test
    void section36Lingma2apiAuthFileWithRfc3339ExpiryViaEnv() throws Exception {
        Path file = home.resolve("credentials.json");
        Files.writeString(file, "{\"schema_version\":1,\"lingma_version_hint\":\"2.11.1\","
                + "\"token_expire_time\":\"2026-04-30T00:00:00Z\",\"auth\":{\"cosy_key\":\"K\","
                + "\"encrypt_user_info\":\"I\",\"user_id\":\"123\",\"machine_id\":\"xxxxxxxxxxxxxxxx\"},"
                + "\"oauth\":{\"access_token\":\"a\",\"refresh_token\":\"r\"}}");
        RemoteCredential c = loader(TestSettings.remote(), Map.of("LINGMA_REMOTE_AUTH_FILE", file.toString()))
                .load();
        assertThat(c.expireTimeMillis()).isEqualTo(Instant.parse("2026-04-30T00:00:00Z").toEpochMilli());
        assertThat(c.expired(Instant.parse("2026-05-01T00:00:00Z"), Duration.ZERO)).isTrue();
    }

    @Test
    void section37ValidationMessagesAndExpiryUnits() throws Exception {
        Path file = home.resolve("auth.json");
        Files.writeString(file, "{\"auth\":{\"cosy_key\":\"K\",\"encrypt_user_info\":\" \",\"user_id\":\"1\","
                + "\"machine_id\":\"m\"}}");
        assertThatThrownBy(() -> loader(TestSettings.remote().toBuilder().authFile(file).build(), Map.of()).load())
                .hasMessageStartingWith("remote credential missing encrypt_user_info");
        assertThatThrownBy(() -> loader(TestSettings.remote().toBuilder().credential("", "I", "1", "m").build(), Map.of())
                .load()).hasMessageStartingWith("remote credential missing cosy_key");
        ObjectMapper m = new ObjectMapper();
        assertThat(RemoteCredentialLoader.parseExpire(m.readTree("1714521600"))).isEqualTo(1714521600000L);
        assertThat(RemoteCredentialLoader.parseExpire(m.readTree("1893456000000"))).isEqualTo(1893456000000L);
        assertThat(RemoteCredentialLoader.parseExpire(m.readTree("\"garbage\""))).isZero();
    }

    @Test
    void directValuesWinAndAreNeverPrinted() {
        RemoteSettings settings = TestSettings.remote().toBuilder()
                .credential("SECRET_KEY", "SECRET_INFO", "424242", "machine-0123456789").build();
        RemoteCredential c = loader(settings, Map.of()).load();
        assertThat(c.source()).isEqualTo("explicit config");
        assertThat(settings.toString()).doesNotContain("SECRET_KEY", "SECRET_INFO", "machine-0123456789");
        assertThat(c.toString()).doesNotContain("SECRET_KEY", "SECRET_INFO", "machine-0123456789", "424242");
        assertThat(List.of(c.maskedUserId(), c.maskedCosyKey())).containsExactly("…4242", "…_KEY");
    }
}

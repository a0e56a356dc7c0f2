package io.lingma.gateway.simulator.remote;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * Writes the on-disk login cache the Lingma/QoderCN plugin leaves behind (lingma-remote.md §3.2–§3.4), with the
 * simulator's own encryption (written from §3.3, independent of the gateway's decryption): {@code cache/id} = the
 * machine id, {@code cache/user} = Base64(AES-128-CBC, key = IV = first 16 characters of the machine id, PKCS#7).
 * Stateless and thread-safe.
 */
final class PluginCache {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PluginCache() {
    }

    /**
     * @param dir     the cache directory {@code D} (created when missing)
     * @param account the account (its {@code expired} flag puts {@code expire_time} a day in the past)
     * @param clock   the simulator clock ({@code expire_time} is in epoch milliseconds)
     * @return {@code dir}
     * @throws UncheckedIOException when the files cannot be written
     */
    static Path write(Path dir, RemoteSimulatorAccount account, Clock clock) {
        ObjectNode user = MAPPER.createObjectNode();
        user.put("uid", account.uid());
        user.put("name", "lingma-remote-simulator");
        user.put("key", account.cosyKey());
        user.put("encrypt_user_info", account.encryptUserInfo());
        long now = clock.millis();
        user.put("expire_time", account.expired() ? now - Duration.ofDays(1).toMillis()
                : now + Duration.ofDays(30).toMillis());
        user.put("organization_id", "");
        user.put("user_type", "personal_standard");
        user.put("is_quota_exceeded", false);
        try {
            Files.createDirectories(dir.resolve("cache"));
            Files.writeString(dir.resolve("cache/id"), account.machineId(), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("cache/user"), encryptUser(user.toString(), account.machineId()),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the simulated plugin cache in " + dir, e);
        }
        return dir;
    }

    /**
     * @param json      the user JSON
     * @param machineId the machine id; its first 16 characters (ASCII) are key and IV
     * @return the {@code cache/user} text: standard Base64 with padding
     * @throws IllegalArgumentException when the machine id is shorter than 16 characters
     */
    static String encryptUser(String json, String machineId) {
        if (machineId.length() < 16) {
            throw new IllegalArgumentException("a machine id has at least 16 characters (it is the AES key, §3.3)");
        }
        byte[] keyAndIv = machineId.substring(0, 16).getBytes(StandardCharsets.US_ASCII);
        try {
            // JCE's "PKCS5Padding" on a 16-byte block cipher is PKCS#7
            Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keyAndIv, "AES"), new IvParameterSpec(keyAndIv));
            return Base64.getEncoder().encodeToString(aes.doFinal(json.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-128-CBC is unavailable", e);
        }
    }
}

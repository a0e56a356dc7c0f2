package io.lingma.gateway.lingma.remote;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;

/**
 * The plugin's {@code cache/user} encryption (lingma-remote.md §3.3): AES-128-CBC, key = IV = the first 16 ASCII
 * characters of the machine id, PKCS#7 padding, standard Base64. Decryption validates the padding itself so a
 * wrong machine id yields a clear "bad padding" error. Thread-safe.
 */
public final class CacheUserCipher {

    private CacheUserCipher() {
    }

    /**
     * @param base64Ciphertext the {@code cache/user} content (whitespace trimmed here)
     * @param machineId        the machine id ({@code cache/id}); at least 16 characters
     * @return the plaintext (a JSON object text)
     * @throws IllegalArgumentException with a short reason ("not base64", "length … not a multiple of 16",
     *                                  "machine id shorter than 16 characters", "bad padding …") — never the data
     */
    public static String decrypt(String base64Ciphertext, String machineId) {
        byte[] key = key(machineId);
        byte[] cipherText;
        try {
            cipherText = Base64.getDecoder().decode(base64Ciphertext.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cache/user is not valid base64");
        }
        if (cipherText.length == 0 || cipherText.length % 16 != 0) {
            throw new IllegalArgumentException("cache/user ciphertext length " + cipherText.length
                    + " is not a non-zero multiple of 16");
        }
        byte[] plain = run(Cipher.DECRYPT_MODE, key, cipherText);
        int pad = plain[plain.length - 1] & 0xff;
        if (pad < 1 || pad > 16) {
            throw new IllegalArgumentException("cache/user bad padding (wrong machine id?)");
        }
        for (int i = plain.length - pad; i < plain.length; i++) {
            if ((plain[i] & 0xff) != pad) {
                throw new IllegalArgumentException("cache/user bad padding (wrong machine id?)");
            }
        }
        return new String(plain, 0, plain.length - pad, StandardCharsets.UTF_8);
    }

    /**
     * Inverse of {@link #decrypt}; used by the simulator to write a plugin cache exactly as the plugin does.
     *
     * @param plaintext JSON text
     * @param machineId machine id, at least 16 characters
     * @return standard padded Base64 of the ciphertext
     * @throws IllegalArgumentException when the machine id is shorter than 16 characters
     */
    public static String encrypt(String plaintext, String machineId) {
        byte[] key = key(machineId);
        byte[] data = plaintext.getBytes(StandardCharsets.UTF_8);
        int pad = 16 - data.length % 16;
        byte[] padded = Arrays.copyOf(data, data.length + pad);
        Arrays.fill(padded, data.length, padded.length, (byte) pad);
        return Base64.getEncoder().encodeToString(run(Cipher.ENCRYPT_MODE, key, padded));
    }

    private static byte[] key(String machineId) {
        if (machineId == null || machineId.length() < 16) {
            throw new IllegalArgumentException("machine id shorter than 16 characters");
        }
        return machineId.substring(0, 16).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] run(int mode, byte[] key, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/NoPadding");
            cipher.init(mode, new SecretKeySpec(key, "AES"), new IvParameterSpec(key));
            return cipher.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("AES-128-CBC failed: " + e.getClass().getSimpleName());
        }
    }
}

package io.lingma.gateway.lingma.remote;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The {@code Encode=1} body obfuscation, floor variant ("QoderEncoding", lingma-remote.md §5): standard padded
 * Base64, outer thirds swapped with {@code a = floor(n/3)}, then a fixed character substitution ({@code =} →
 * {@code $}). Stateless and thread-safe.
 */
public final class Encode1Codec {

    private static final String STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    private static final String CUSTOM = "_doRTgHZBKcGVjlvpC,@aFSx#DPuNJme&i*MzLOEn)sUrthbf%Y^w.(kIQyXqWA!$";
    private static final char[] ENCODE = new char[128];
    private static final char[] DECODE = new char[128];

    static {
        for (int i = 0; i < STANDARD.length(); i++) {
            ENCODE[STANDARD.charAt(i)] = CUSTOM.charAt(i);
            DECODE[CUSTOM.charAt(i)] = STANDARD.charAt(i);
        }
    }

    private Encode1Codec() {
    }

    /**
     * @param body the raw body bytes (any content)
     * @return the encoded text (ASCII); signed and sent as is (§4.1 V3)
     */
    public static String encode(byte[] body) {
        String std = Base64.getEncoder().encodeToString(body);
        String swapped = swapThirds(std);
        char[] out = new char[swapped.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ENCODE[swapped.charAt(i)];
        }
        return new String(out);
    }

    /**
     * @param text UTF-8 text
     * @return {@link #encode(byte[])} of its UTF-8 bytes
     */
    public static String encode(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reverses {@link #encode(byte[])}: map back, swap the outer thirds with {@code a = floor(n/3)} of the encoded
     * length, Base64-decode.
     *
     * @param encoded the encoded text
     * @return the original bytes
     * @throws IllegalArgumentException when the text contains characters outside the alphabet or does not decode
     */
    public static byte[] decode(String encoded) {
        char[] mapped = new char[encoded.length()];
        for (int i = 0; i < mapped.length; i++) {
            char c = encoded.charAt(i);
            char back = c < 128 ? DECODE[c] : 0;
            if (back == 0) {
                throw new IllegalArgumentException("Encode=1: character outside the alphabet at offset " + i);
            }
            mapped[i] = back;
        }
        return Base64.getDecoder().decode(swapThirds(new String(mapped)));
    }

    private static String swapThirds(String s) {
        int n = s.length();
        int a = n / 3;
        return s.substring(n - a) + s.substring(a, n - a) + s.substring(0, a);
    }
}

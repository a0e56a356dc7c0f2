package io.lingma.gateway.chat;

import java.security.SecureRandom;

/**
 * Random ids in the shapes the official APIs use (client-api.md §4.2, §10.6): {@code chatcmpl-} + 24 base62,
 * {@code call_} + 24 base62, {@code msg_01} + 22 base62, {@code toolu_01} + 22 base62, {@code resp_} + 24 base62,
 * {@code req_} + 32 hex.
 */
public final class Ids {

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final String HEX = "0123456789abcdef";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    /**
     * @param prefix text to put first
     * @param length number of random base62 characters after the prefix
     * @return prefix + random base62
     */
    public static String base62(String prefix, int length) {
        return prefix + random(BASE62, length);
    }

    /**
     * @param prefix text to put first
     * @param length number of random lower-case hex digits after the prefix
     * @return prefix + random hex
     */
    public static String hex(String prefix, int length) {
        return prefix + random(HEX, length);
    }

    private static String random(String alphabet, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}

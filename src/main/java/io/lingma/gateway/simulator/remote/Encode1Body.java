package io.lingma.gateway.simulator.remote;

import java.util.Base64;

/**
 * Decodes {@code Encode=1} request bodies, floor variant (lingma-remote.md §5), written from the spec and independent
 * of the gateway's encoder so an encoding bug on one side shows up on the wire: map every character back to the
 * standard Base64 alphabet ({@code $} → {@code =}), trade the outer thirds ({@code a = floor(n/3)} of the encoded
 * length), Base64-decode. Stateless and thread-safe.
 */
final class Encode1Body {

    /** Index i of this string stands for index i of {@link #STANDARD} (§5 step 4). */
    private static final String SUBSTITUTED = "_doRTgHZBKcGVjlvpC,@aFSx#DPuNJme&i*MzLOEn)sUrthbf%Y^w.(kIQyXqWA!$";
    private static final String STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

    private Encode1Body() {
    }

    /**
     * @param encoded the body text as received
     * @return the original body bytes
     * @throws IllegalArgumentException on a character outside the substituted alphabet or text that is not Base64
     *                                  once rearranged (the wrong variant, for instance)
     */
    static byte[] decode(String encoded) {
        int n = encoded.length();
        int third = n / 3;
        char[] standard = new char[n];
        for (int i = 0; i < n; i++) {
            // trading the outer thirds back is the same trade again: standard[i] comes from encoded[from]
            int from = i < third ? n - third + i : i >= n - third ? i - (n - third) : i;
            int index = SUBSTITUTED.indexOf(encoded.charAt(from));
            if (index < 0) {
                throw new IllegalArgumentException("Encode=1 body: '" + encoded.charAt(from) + "' at offset " + from
                        + " is not in the alphabet");
            }
            standard[i] = STANDARD.charAt(index);
        }
        return Base64.getDecoder().decode(new String(standard));
    }
}

package io.lingma.gateway.lingma.remote;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * COSY request signing and the remote header set (lingma-remote.md §4.1–§4.3). Thread-safe.
 *
 * <p>{@code Authorization: Bearer COSY.<payloadB64>.<md5hex>} where {@code payloadB64} is standard padded Base64
 * of {@code {"cosyVersion","ideVersion":"","info","requestId","version":"v1"}} (alphabetical keys, compact) and
 * {@code md5hex = MD5(payloadB64 \n cosyKey \n cosyDate \n body \n sigPath)} over the exact body bytes sent.
 */
public final class CosySigner {

    private final String cosyVersion;
    private final Clock clock;
    private final Supplier<String> requestIds;

    /**
     * @param cosyVersion {@code Cosy-Version} and payload {@code cosyVersion} ({@code gateway.remote.version})
     * @param clock       source of {@code Cosy-Date} (Unix seconds)
     * @param requestIds  source of the payload {@code requestId} (a fresh UUIDv4 per HTTP request in production)
     */
    public CosySigner(String cosyVersion, Clock clock, Supplier<String> requestIds) {
        this.cosyVersion = cosyVersion;
        this.clock = clock;
        this.requestIds = requestIds;
    }

    /** @param cosyVersion {@code Cosy-Version}; system clock and random UUIDv4 request ids */
    public CosySigner(String cosyVersion) {
        this(cosyVersion, Clock.systemUTC(), () -> UUID.randomUUID().toString());
    }

    /**
     * The result of signing one request.
     *
     * @param authorization    the full {@code Authorization} header value ({@code Bearer COSY.…}); secret-bearing
     * @param cosyDate         Unix seconds sent as {@code Cosy-Date}
     * @param payloadRequestId the auth payload {@code requestId} (log it with the chat {@code request_id})
     * @param payloadB64       the Base64 payload
     * @param signature        lowercase hex MD5
     */
    public record Signature(String authorization, String cosyDate, String payloadRequestId, String payloadB64,
                            String signature) {
        /** Hides the authorization value. */
        @Override
        public String toString() {
            return "Signature[cosyDate=" + cosyDate + ", payloadRequestId=" + payloadRequestId + "]";
        }
    }

    /**
     * Signs one request with the current clock and a fresh payload {@code requestId} (§4.1).
     *
     * @param credential the credential ({@code encrypt_user_info} → {@code info}, {@code cosy_key})
     * @param urlPath    URL path, with or without query; {@code /algo} is stripped for the signature
     * @param body       the exact body bytes sent (empty for GET)
     * @return the signature
     */
    public Signature sign(RemoteCredential credential, String urlPath, byte[] body) {
        String cosyDate = Long.toString(clock.instant().getEpochSecond());
        String requestId = requestIds.get();
        String payloadB64 = payloadB64(cosyVersion, credential.encryptUserInfo(), requestId);
        String md5 = signature(payloadB64, credential.cosyKey(), cosyDate, body, sigPath(urlPath));
        return new Signature("Bearer COSY." + payloadB64 + "." + md5, cosyDate, requestId, payloadB64, md5);
    }

    /**
     * The default header set of §4.2 in its documented order, then {@code overrides} (an empty override value
     * removes the header; names match case-insensitively).
     *
     * @param credential the credential
     * @param signature  the signature of this request
     * @param overrides  {@code gateway.remote.headers.*}
     * @return header name → value (insertion-ordered); contains secrets, never log it
     */
    public Map<String, String> headers(RemoteCredential credential, Signature signature,
                                       Map<String, String> overrides) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", signature.authorization());
        headers.put("Content-Type", "application/json");
        headers.put("Appcode", "cosy");
        headers.put("Cosy-Date", signature.cosyDate());
        headers.put("Cosy-Key", credential.cosyKey());
        headers.put("Cosy-Machineid", credential.machineId());
        headers.put("Cosy-User", credential.userId());
        headers.put("Cosy-Clientip", "198.18.0.1");
        headers.put("Cosy-Clienttype", "2");
        headers.put("Cosy-Machineos", machineOs(System.getProperty("os.name", ""), System.getProperty("os.arch", "")));
        headers.put("Cosy-Machinetoken", "");
        headers.put("Cosy-Machinetype", "");
        headers.put("Cosy-Version", cosyVersion);
        headers.put("Login-Version", "v2");
        headers.put("User-Agent", "lingma-gateway/remote");
        headers.put("Accept", "text/event-stream");
        headers.put("Cache-Control", "no-cache");
        // compressed SSE would defeat per-frame flushing (§4.2)
        headers.put("Accept-Encoding", "identity");
        if (credential.organizationId() != null && !credential.organizationId().isBlank()) {
            headers.put("Cosy-Organization-Id", credential.organizationId());
        }
        for (Map.Entry<String, String> override : overrides.entrySet()) {
            headers.keySet().removeIf(name -> name.equalsIgnoreCase(override.getKey()));
            if (override.getValue() != null && !override.getValue().isEmpty()) {
                headers.put(override.getKey(), override.getValue());
            }
        }
        return headers;
    }

    /**
     * @param cosyVersion payload {@code cosyVersion}
     * @param info        {@code encrypt_user_info}
     * @param requestId   payload {@code requestId}
     * @return standard padded Base64 of the compact, key-sorted payload JSON (§4.1 step 2–3)
     */
    public static String payloadB64(String cosyVersion, String info, String requestId) {
        String json = "{\"cosyVersion\":" + jsonString(cosyVersion) + ",\"ideVersion\":\"\",\"info\":"
                + jsonString(info) + ",\"requestId\":" + jsonString(requestId) + ",\"version\":\"v1\"}";
        return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param payloadB64 the Base64 payload
     * @param cosyKey    {@code cosy_key}
     * @param cosyDate   Unix seconds as sent in {@code Cosy-Date}
     * @param body       exact body bytes (empty for GET)
     * @param sigPath    path without {@code /algo} and query (see {@link #sigPath})
     * @return lowercase hex MD5 of the preimage (§4.1 step 6–7)
     */
    public static String signature(String payloadB64, String cosyKey, String cosyDate, byte[] body, String sigPath) {
        MessageDigest md5 = md5();
        md5.update((payloadB64 + "\n" + cosyKey + "\n" + cosyDate + "\n").getBytes(StandardCharsets.UTF_8));
        md5.update(body);
        md5.update(("\n" + sigPath).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md5.digest());
    }

    /**
     * @param urlPath a path such as {@code /algo/api/v2/model/list?x=1}
     * @return the path without query and without a leading {@code /algo} ({@code /api/v2/model/list})
     */
    public static String sigPath(String urlPath) {
        String path = urlPath;
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        return path.startsWith("/algo/") ? path.substring("/algo".length()) : path;
    }

    /**
     * @param osName {@code os.name}
     * @param osArch {@code os.arch}
     * @return {@code Cosy-Machineos}: {@code x86_64|arm64} + {@code _linux|_darwin|_windows}
     */
    public static String machineOs(String osName, String osArch) {
        String arch = osArch.toLowerCase(Locale.ROOT);
        String cpu = arch.contains("aarch64") || arch.contains("arm") ? "arm64" : "x86_64";
        String name = osName.toLowerCase(Locale.ROOT);
        String os = name.contains("mac") || name.contains("darwin") ? "darwin"
                : name.contains("win") ? "windows" : "linux";
        return cpu + "_" + os;
    }

    private static String jsonString(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available in this JDK", e);
        }
    }
}

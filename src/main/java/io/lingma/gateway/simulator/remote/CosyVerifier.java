package io.lingma.gateway.simulator.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.simulator.remote.RecordedRemoteRequest.AuthVerdict;
import io.vertx.core.MultiMap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server side of COSY request signing (lingma-remote.md §4.1, checks of §11.2), written from the spec and
 * independent of the gateway's signer so a signing bug on one side shows up on the wire. Checks, in order: the
 * {@code Authorization} shape and payload, the account (by payload {@code info}), the {@code Cosy-Key},
 * {@code Cosy-User} and {@code Cosy-Machineid} headers, the MD5 signature over the raw body bytes as received,
 * the {@code Cosy-Date} skew window and (optionally) replayed payload {@code requestId}s. Thread-safe.
 */
final class CosyVerifier {

    /** The verdict and the account it concerns (null when the account is unknown or the header malformed). */
    record Result(AuthVerdict verdict, RemoteSimulatorAccount account) {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern AUTHORIZATION =
            Pattern.compile("^Bearer COSY\\.([A-Za-z0-9+/=]+)\\.([0-9a-f]{32})$");
    private static final byte[] LF = {'\n'};

    private final RemoteSimulatorOptions options;
    private final Function<String, RemoteSimulatorAccount> accountByInfo;
    private final Set<String> seenRequestIds = ConcurrentHashMap.newKeySet();

    /**
     * @param options       which checks run, the skew window and the clock
     * @param accountByInfo the registered account for an {@code encrypt_user_info}, or null
     */
    CosyVerifier(RemoteSimulatorOptions options, Function<String, RemoteSimulatorAccount> accountByInfo) {
        this.options = options;
        this.accountByInfo = accountByInfo;
    }

    /**
     * @param headers the request headers (case-insensitive)
     * @param path    the URL path, query excluded
     * @param body    the body bytes exactly as received (empty for GET)
     * @return the first failed check's verdict, else {@link AuthVerdict#OK}
     */
    Result verify(MultiMap headers, String path, byte[] body) {
        String authorization = headers.get("Authorization");
        Matcher parts = authorization == null ? null : AUTHORIZATION.matcher(authorization);
        if (parts == null || !parts.matches()) {
            return new Result(AuthVerdict.MALFORMED, null);
        }
        String payloadB64 = parts.group(1);
        JsonNode payload;
        try {
            payload = MAPPER.readTree(Base64.getDecoder().decode(payloadB64));
        } catch (IOException | IllegalArgumentException e) {
            return new Result(AuthVerdict.MALFORMED, null);
        }
        String requestId = payload.path("requestId").asText("");
        if (!payload.path("version").asText("").equals("v1") || requestId.isEmpty()
                || !payload.path("cosyVersion").isTextual()) {
            return new Result(AuthVerdict.MALFORMED, null);
        }
        RemoteSimulatorAccount account = accountByInfo.apply(payload.path("info").asText(""));
        if (account == null || account.expired()) {
            return new Result(AuthVerdict.LOGIN_EXPIRED, account);
        }
        String cosyKey = String.valueOf(headers.get("Cosy-Key"));
        if ((options.checkCosyKey() && !cosyKey.equals(account.cosyKey()))
                || (options.checkUser() && !account.uid().equals(headers.get("Cosy-User")))
                || (options.checkMachineId() && !account.machineId().equals(headers.get("Cosy-Machineid")))) {
            return new Result(AuthVerdict.HEADER_MISMATCH, account);
        }
        String cosyDate = String.valueOf(headers.get("Cosy-Date"));
        if (options.checkSignature() && !signature(payloadB64, cosyKey, cosyDate, body, path).equals(parts.group(2))) {
            return new Result(AuthVerdict.SIGNATURE_INVALID, account);
        }
        if (!options.skewWindow().isZero() && !withinSkew(cosyDate)) {
            return new Result(AuthVerdict.CLOCK_SKEW, account);
        }
        if (options.rejectReplay() && !seenRequestIds.add(requestId)) {
            return new Result(AuthVerdict.REPLAY, account);
        }
        return new Result(AuthVerdict.OK, account);
    }

    /**
     * The §4.1 signature: lowercase hex MD5 of {@code payloadB64 \n cosyKey \n cosyDate \n body \n sigPath}, where
     * {@code sigPath} is the path without a leading {@code /algo}. The body enters as raw bytes, never re-decoded.
     *
     * @param payloadB64 the Base64 payload exactly as sent
     * @param cosyKey    the {@code Cosy-Key} header
     * @param cosyDate   the {@code Cosy-Date} header
     * @param body       the body bytes as received
     * @param path       the URL path, query excluded
     * @return 32 lowercase hex characters
     */
    static String signature(String payloadB64, String cosyKey, String cosyDate, byte[] body, String path) {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
        String sigPath = path.startsWith("/algo/") ? path.substring("/algo".length()) : path;
        for (byte[] part : new byte[][]{utf8(payloadB64), utf8(cosyKey), utf8(cosyDate), body}) {
            md5.update(part);
            md5.update(LF);
        }
        md5.update(utf8(sigPath));
        return HexFormat.of().formatHex(md5.digest());
    }

    private boolean withinSkew(String cosyDate) {
        long seconds;
        try {
            seconds = Long.parseLong(cosyDate);
        } catch (NumberFormatException e) {
            return false;
        }
        return Math.abs(options.clock().instant().getEpochSecond() - seconds) <= options.skewWindow().toSeconds();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
